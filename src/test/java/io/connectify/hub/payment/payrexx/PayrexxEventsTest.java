package io.connectify.hub.payment.payrexx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectify.hub.resilience.ProviderException;
import org.junit.jupiter.api.Test;

/**
 * The key of the status a Payrexx delivery is acted on under, and when Payrexx's API is behind the delivery: a status
 * fetched earlier than the one claimed is a passing failure, asked again, never acted on (its key would make the
 * claimed status's delivery a duplicate).
 */
class PayrexxEventsTest {

    /**
     * A refund made (refunded, partially-refunded) delivered while the API still shows it under way: the API is
     * behind. Before, both were one stage: acted on as refund_pending, whose key the refund_pending delivery had
     * recorded, the refunded delivery was dropped as a duplicate and the refund never recorded.
     */
    @Test
    void aRefundMadeReadWhileTheApiStillShowsItPendingIsAskedAgain() {
        assertThatThrownBy(() -> PayrexxEvents.statusKey(7211L, "payrexx:7211:refunded", "refund_pending"))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("shows transaction 7211 refund_pending, its webhook said refunded");
        assertThatThrownBy(() -> PayrexxEvents.statusKey(7211L, "payrexx:7211:partially-refunded", "refund_pending"))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("its webhook said partially-refunded");
    }

    /** A refund under way delivered once the API shows it made: the later status is acted on, as before. */
    @Test
    void aRefundPendingReadOnceTheRefundIsMadeIsActedOnAsMade() {
        assertThat(PayrexxEvents.statusKey(7211L, "payrexx:7211:refund_pending", "refunded"))
                .isEqualTo("payrexx:7211:refunded");
        assertThat(PayrexxEvents.statusKey(7211L, "payrexx:7211:refund_pending", "partially-refunded"))
                .isEqualTo("payrexx:7211:partially-refunded");
        assertThat(PayrexxEvents.statusKey(7211L, "payrexx:7211:refunded", "refunded"))
                .isEqualTo("payrexx:7211:refunded");
    }

    /**
     * Payrexx tells no order of a chargeback and a refund: a dispute is never the API behind a refund, either way. A
     * transaction refunded in part and then disputed may show disputed for good: its refund's delivery read so, asked
     * again, failed alike on every replay and was left in the dead letters (the merge review's finding).
     */
    @Test
    void aDisputeAndARefundAreNotOrdered() {
        assertThat(PayrexxEvents.statusKey(7212L, "payrexx:7212:refunded", "disputed"))
                .isEqualTo("payrexx:7212:disputed");
        assertThat(PayrexxEvents.statusKey(7212L, "payrexx:7212:partially-refunded", "disputed"))
                .isEqualTo("payrexx:7212:disputed");
        assertThat(PayrexxEvents.statusKey(7212L, "payrexx:7212:disputed", "refund_pending"))
                .isEqualTo("payrexx:7212:refund_pending");
        assertThat(PayrexxEvents.statusKey(7212L, "payrexx:7212:refund_pending", "disputed"))
                .isEqualTo("payrexx:7212:disputed");
        assertThat(PayrexxEvents.statusKey(7212L, "payrexx:7212:disputed", "refunded"))
                .isEqualTo("payrexx:7212:refunded");
        assertThatThrownBy(() -> PayrexxEvents.statusKey(7212L, "payrexx:7212:disputed", "confirmed"))
                .isInstanceOf(ProviderException.class);
    }
}
