package io.connectify.hub.webhook;

/**
 * Headers a verified webhook event carries through the durable queue to the event routes. Plain identifiers,
 * as JMS property names must be.
 */
public final class WebhookHeaders {

    public static final String PROVIDER = "provider";
    /** provider-scoped dedupe key: stripe:evt_..., payrexx:42:confirmed */
    public static final String EVENT_KEY = "eventKey";
    /** The event's type: Stripe's ({@code checkout.session.completed}), {@code transaction.<status>} (Payrexx),
     * {@code message.<status>} (Twilio); what the audit names the event by. */
    public static final String EVENT_TYPE = "eventType";
    /** When the webhook was received: its request's start, epoch milliseconds (the audit's latency starts there). */
    public static final String RECEIVED_AT = "receivedAt";
    public static final String BOOKING_ID = "bookingId";
    /**
     * The exchange property of the booking a queued event turned out to be about once processed (a Payrexx delivery
     * names only its transaction: the booking is the one the fetched transaction names): its dead letter's
     * {@link #BOOKING_ID} header, as a Stripe event's letter has it from its queued message.
     */
    public static final String RESOLVED_BOOKING = "connectifyResolvedBooking";
    public static final String PAYMENT_STATUS = "paymentStatus";
    public static final String PAYMENT_REFERENCE = "paymentReference";
    /**
     * The payment page a Payrexx transaction was made on (its Gateway's id, as the API reads it), when Payrexx names
     * one: a failure on a page that is not its booking's own ends nothing of the booking.
     */
    public static final String PAYMENT_PAGE = "paymentPageId";
    public static final String PAID_AMOUNT = "paidAmount";
    /**
     * The currency of the payment (ISO 4217, upper case): Stripe's Checkout Session or Payment Intent {@code currency},
     * the fetched Payrexx transaction's. Absent on a Stripe event queued before the hub read it (its body has it).
     */
    public static final String PAID_CURRENCY = "paidCurrency";
    /** Why a payment attempt failed (Stripe's decline or error code); only on a failed attempt's event. */
    public static final String PAYMENT_ERROR = "paymentError";
    public static final String TRANSACTION_ID = "transactionId";
    /** The provider's id of the refund a refund event is about (Stripe's re_...); only on a refund's event. */
    public static final String REFUND_REFERENCE = "refundReference";
    /**
     * The hub's mark in a refund's metadata (Stripe's metadata {@code connectify}: {@code booking} or {@code api}):
     * the hub made that refund; absent on a refund made by hand in the dashboard. Only on a refund's event.
     */
    public static final String REFUND_MARK = "refundMark";
    /**
     * How much of a payment the provider shows refunded, in minor units, every refund counted (Stripe's Charge
     * {@code amount_refunded}); only on charge.refunded, whose {@link #PAID_AMOUNT} is the Charge's amount.
     */
    public static final String REFUNDED_AMOUNT = "refundedAmount";
    /**
     * How much of a payment a dispute takes back, in minor units (Stripe's Dispute {@code amount}: usually the whole
     * charge, less when only part of it is disputed); only on charge.dispute.* events.
     */
    public static final String DISPUTED_AMOUNT = "disputedAmount";
    /**
     * The key a Payrexx event is deduplicated on once its transaction is fetched: payrexx:42:disputed, the status the
     * hub acts on, which may be later than the one its webhook claimed ({@link #EVENT_KEY}). Not carried through the
     * queue.
     */
    public static final String STATUS_KEY = "statusKey";
    /**
     * Whether the hub acted on the confirmed status of the Payrexx transaction a disputed delivery is about (its key
     * recorded: it confirmed a booking with it, or refunded it). Not carried through the queue.
     */
    public static final String PAYMENT_ACTED_ON = "paymentActedOn";
    /**
     * The Checkout Session a Stripe checkout.session.expired, .async_payment_failed or .completed (unpaid: a payment
     * processing, recorded by it, V38) is about (its id, cs_...), read from the event's body by the route that acts on
     * it. Not carried through the queue.
     */
    public static final String CHECKOUT_SESSION = "checkoutSession";
    /**
     * When Stripe created the event (its {@code created}, epoch seconds), read from its body by the routes of a
     * payment processing and of a payment's failure (V38: a failure older than the processing it would end is
     * ignored). Not carried through the queue.
     */
    public static final String EVENT_CREATED = "eventCreated";
    /**
     * The JMS message group (Artemis): events of one group go to one consumer at a time, in the order they were
     * enqueued, while other groups are processed in parallel. A Stripe payment's events (a Checkout sends two for one
     * payment; its refunds' and disputes', naming its booking or not), a Stripe booking's events without a payment
     * (a Checkout Session expired unpaid), a Payrexx transaction's deliveries, and the repeats of one event stay in
     * order.
     */
    public static final String ORDER_GROUP = "JMSXGroupID";
    /**
     * Exchange property (set by the event routes, not carried through the queue): false when processing found
     * nothing to do, an event type the hub does not act on, an unknown booking, a booking already past the step.
     * Such an event leaves no idempotent key: processing it again does nothing again, and its key would cost a
     * durable commit (see {@link ProcessedEventRepository}). Unset counts as acted on.
     */
    public static final String ACTED_ON = "eventActedOn";
    /**
     * Exchange property (set by {@link ProcessedEventRepository#record}, not carried through the queue): the event's
     * key was recorded (or needed none) by the idempotent block's last step, so Camel's completion hook has nothing
     * left to record.
     */
    public static final String KEY_RECORDED = "eventKeyRecorded";
    /**
     * Exchange property set by {@link ProcessedEventRepository#record} when the event was processed but its key could
     * not be recorded (the database refusing the insert through every retry); the dead-letter store keeps it as a
     * header of the same name, and the letter's replay records the key before sending the event back, which its
     * consumer then takes for the duplicate it is rather than acting on it a second time.
     */
    public static final String UNRECORDED_KEY = "connectifyUnrecordedKey";

    private WebhookHeaders() {
    }
}
