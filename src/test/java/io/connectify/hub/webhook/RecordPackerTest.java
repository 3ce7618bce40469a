package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

class RecordPackerTest {

    private final RecordPacker packer = new RecordPacker();

    @Test
    void aRecordOfTextIsPackedToLessThanThreeQuartersAndUnpackedToItsBytes() {
        byte[] record = ("{\n  \"id\": \"evt_1\",\n" + "  \"note\": \"gr\u00fc\u00dfe\",\n".repeat(100) + "}")
                .getBytes(StandardCharsets.UTF_8);

        byte[] packed = packer.pack(record);

        assertThat(packed).isNotNull();
        assertThat(packed.length).isLessThan(record.length * 3 / 4);
        assertThat(packer.unpack(packed, record.length)).isEqualTo(record);
    }

    @Test
    void aRecordThatDeflatingWouldNotShrinkByAQuarterIsNotPacked() {
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);

        assertThat(packer.pack(random)).isNull();
    }

    @Test
    void packersUsedByMoreThreadsThanItPoolsEachPackTheirOwnRecord() throws Exception {
        Thread[] threads = new Thread[RecordPacker.POOLED * 3];
        boolean[] whole = new boolean[threads.length];
        for (int i = 0; i < threads.length; i++) {
            int n = i;
            threads[i] = new Thread(() -> {
                boolean ok = true;
                for (int round = 0; round < 200; round++) {
                    byte[] record = ("record " + n + " round " + round + " ").repeat(40).getBytes(StandardCharsets.UTF_8);
                    byte[] packed = packer.pack(record);
                    synchronized (packer) { // unpack is one thread's at a time, as the forwarder's
                        ok &= packed != null && java.util.Arrays.equals(packer.unpack(packed, record.length), record);
                    }
                }
                whole[n] = ok;
            });
            threads[i].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(whole).containsOnly(true);
    }
}
