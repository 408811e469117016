package dev.microkit.notificator;

/**
 * The ids of the emails sent recently, each with the time it was sent, oldest first, in about 32 bytes an id: a ring
 * of (id, time) in the order sent, and an open-addressing index (linear probing, at most three quarters full) from an
 * id to its place in the ring. A {@code LinkedHashMap<String, Long>} of the keys took about 140 bytes a key.
 * <p>
 * Times only grow, so the ring is also the order of age: what the window forgets and what the limit forgets are both
 * at its head. The arrays grow by doubling up to the limit: an idle notificator holds a few kilobytes.
 * Not thread-safe: {@link SentEmails} serialises the calls.
 */
final class RecentIds {

    private static final int FIRST_CAPACITY = 1024;

    private final int maxIds;
    private long[] high;
    private long[] low;
    private long[] sentAt;
    private int head;
    private int size;
    /** Per slot, the id's place in the ring plus one; 0: a free slot. */
    private int[] index;

    RecentIds(int maxIds) {
        if (maxIds < 1) {
            throw new IllegalArgumentException("maxIds must be at least 1, not " + maxIds);
        }
        this.maxIds = maxIds;
        allocate(Math.min(FIRST_CAPACITY, maxIds));
    }

    /** How many ids are remembered. */
    int size() {
        return size;
    }

    /** Forgets every id sent at {@code time} (a {@link System#nanoTime()} reading) or before. */
    void forgetSentUpTo(long time) {
        while (size > 0 && sentAt[head] - time <= 0) {
            removeOldest();
        }
    }

    boolean contains(long idHigh, long idLow) {
        return slotOf(idHigh, idLow) >= 0;
    }

    /**
     * Remembers an id that is not remembered yet, sent at {@code now}, no earlier than the newest; past the limit the
     * oldest id is forgotten.
     */
    void add(long idHigh, long idLow, long now) {
        if (size == high.length) {
            if (size == maxIds) {
                removeOldest();
            } else {
                allocate(Math.min(maxIds, 2 * high.length));
            }
        }
        int place = (head + size) % high.length;
        high[place] = idHigh;
        low[place] = idLow;
        sentAt[place] = now;
        size++;
        index(place);
    }

    private void removeOldest() {
        unindex(slotOf(high[head], low[head]));
        head = (head + 1) % high.length;
        size--;
    }

    /** The index slot of a remembered id, or -1. */
    private int slotOf(long idHigh, long idLow) {
        int mask = index.length - 1;
        for (int slot = home(idHigh, idLow); index[slot] != 0; slot = (slot + 1) & mask) {
            int place = index[slot] - 1;
            if (high[place] == idHigh && low[place] == idLow) {
                return slot;
            }
        }
        return -1;
    }

    private void index(int place) {
        int mask = index.length - 1;
        int slot = home(high[place], low[place]);
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        index[slot] = place + 1;
    }

    /** Frees a slot and moves back the entries after it that probing would no longer reach (no tombstones). */
    private void unindex(int hole) {
        int mask = index.length - 1;
        for (int slot = (hole + 1) & mask; index[slot] != 0; slot = (slot + 1) & mask) {
            int place = index[slot] - 1;
            int home = home(high[place], low[place]);
            if (((slot - home) & mask) >= ((slot - hole) & mask)) {
                index[hole] = index[slot];
                hole = slot;
            }
        }
        index[hole] = 0;
    }

    private int home(long idHigh, long idLow) {
        // both halves count (ids alike in one half, or with equal halves' XOR, do not share a home), then the high
        // bits mixed down: the index takes the low ones
        long mixed = idHigh * 0x9E3779B97F4A7C15L + Long.rotateLeft(idLow, 32) * 0xC2B2AE3D27D4EB4FL;
        mixed ^= mixed >>> 31;
        return (int) (mixed ^ mixed >>> 32) & (index.length - 1);
    }

    /** New arrays of {@code capacity}, with what is remembered moved to their start, oldest first. */
    private void allocate(int capacity) {
        long[] oldHigh = high;
        long[] oldLow = low;
        long[] oldSentAt = sentAt;
        high = new long[capacity];
        low = new long[capacity];
        sentAt = new long[capacity];
        // more slots than ids, always: a probe ends at a free one
        int slots = capacity + capacity / 3 + 1;
        index = new int[Integer.highestOneBit(slots - 1) << 1];
        for (int i = 0; i < size; i++) {
            int from = (head + i) % oldHigh.length;
            high[i] = oldHigh[from];
            low[i] = oldLow[from];
            sentAt[i] = oldSentAt[from];
            index(i);
        }
        head = 0;
    }
}
