package io.connectify.hub.webhook;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Deflates the in-memory copy of an inbox record (zlib, its fastest level), so that a backlog of events fits the
 * inbox's memory more than twice over: a Stripe event is pretty-printed JSON and deflates to about a third (the
 * benchmark's, 3.8 KB, to 1.3 KB). Only the copy the forwarder sends from; the journal keeps the record as it was.
 * <p>
 * Why: during a burst the forwarder sends one event at a time and the inbox grows; a full inbox sends each further
 * webhook to the broker before its answer, on the request thread, which took more of the cores than the deflating
 * does (bench/RESULTS.md, the sixty-first session). Deflaters are pooled, at most {@link #POOLED}: each holds about
 * 260 KB of zlib's native memory, too much to keep one per request thread (a request that finds the pool empty makes
 * one and ends it at once).
 */
final class RecordPacker {

    static final int POOLED = 2; // the cores: more deflate at once only while more requests than cores run

    private final ConcurrentLinkedQueue<Deflater> deflaters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();
    // the forwarder's alone: one thread at a time
    private final Inflater inflater = new Inflater();

    /** The record deflated, or null when that would not save a quarter of it (then it is held as it is). */
    byte[] pack(byte[] record) {
        Deflater deflater = deflaters.poll();
        if (deflater == null) {
            deflater = new Deflater(Deflater.BEST_SPEED);
        } else {
            pooled.decrementAndGet();
        }
        try {
            deflater.setInput(record);
            deflater.finish();
            byte[] out = new byte[record.length - record.length / 4];
            int length = deflater.deflate(out);
            return deflater.finished() ? Arrays.copyOf(out, length) : null;
        } finally {
            deflater.reset();
            if (pooled.incrementAndGet() <= POOLED) {
                deflaters.offer(deflater);
            } else {
                pooled.decrementAndGet();
                deflater.end();
            }
        }
    }

    /** The record {@link #pack} deflated, {@code length} bytes; by one thread at a time. */
    byte[] unpack(byte[] packed, int length) {
        inflater.reset();
        inflater.setInput(packed);
        byte[] record = new byte[length];
        try {
            int read = inflater.inflate(record);
            if (read != length || !inflater.finished()) {
                throw new IllegalStateException("A packed inbox record inflated to " + read + " bytes, not " + length);
            }
        } catch (DataFormatException e) {
            throw new IllegalStateException("A packed inbox record cannot be inflated", e);
        }
        return record;
    }
}
