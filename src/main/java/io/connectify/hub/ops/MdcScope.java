package io.connectify.hub.ops;

import org.slf4j.MDC;

/**
 * One MDC field set for a while: closing it restores the value the field had before (or removes it), so a scope
 * opened inside an exchange's step, or outside any, leaves the MDC as it found it.
 */
public final class MdcScope implements AutoCloseable {

    private final String key;
    private final String before;

    private MdcScope(String key) {
        this.key = key;
        this.before = MDC.get(key);
    }

    /** {@code value} under {@code key} until closed; null removes the field meanwhile. */
    static MdcScope put(String key, String value) {
        MdcScope scope = new MdcScope(key);
        if (value != null) {
            MDC.put(key, value);
        } else {
            MDC.remove(key);
        }
        return scope;
    }

    /** The field as it is until closed (a value to name nothing changes). */
    static MdcScope keep(String key) {
        return new MdcScope(key);
    }

    @Override
    public void close() {
        if (before != null) {
            MDC.put(key, before);
        } else {
            MDC.remove(key);
        }
    }
}
