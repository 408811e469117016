package dev.microkit.notificator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SentEmailsTest {

    private final AtomicLong clock = new AtomicLong(System.nanoTime());

    private SentEmails sentEmails(Duration window, int maxKeys) {
        return new SentEmails(window, maxKeys, clock::get);
    }

    private static UUID id(String key) {
        return SentEmails.idFor(key);
    }

    @Test
    void aKeyIsNewOnceWithinTheWindow() {
        SentEmails sent = sentEmails(Duration.ofMinutes(10), 10);

        assertTrue(sent.firstTime(id("a")));
        clock.addAndGet(Duration.ofMinutes(10).toNanos() - 1);
        assertFalse(sent.firstTime(id("a")));
        assertTrue(sent.firstTime(id("b")));
    }

    @Test
    void aKeyIsNewAgainAfterTheWindow() {
        SentEmails sent = sentEmails(Duration.ofMillis(50), 10);

        assertTrue(sent.firstTime(id("a")));
        clock.addAndGet(Duration.ofMillis(50).toNanos());
        assertTrue(sent.firstTime(id("a")));
        assertEquals(1, sent.remembered(), "what the window forgot is gone from memory");
    }

    @Test
    void theOldestKeysAreForgottenBeyondTheLimit() {
        SentEmails sent = sentEmails(Duration.ofMinutes(10), 2);

        sent.firstTime(id("a"));
        sent.firstTime(id("b"));
        sent.firstTime(id("c"));

        assertTrue(sent.firstTime(id("a")), "a was forgotten");
        assertFalse(sent.firstTime(id("c")));
    }

    /**
     * The documented window holds at the rate users creates at most here (about 2,000 a second, native): with the
     * defaults, the first of ten minutes of keys at 2,000 a second is still remembered at their end, each of them too.
     */
    @Test
    void theDefaultsRememberTenMinutesOfKeysAtTwoThousandASecond() {
        Duration window = Duration.parse("PT" + IdempotencyConfig.DEFAULT_WINDOW);
        int maxKeys = Integer.parseInt(IdempotencyConfig.DEFAULT_MAX_KEYS);
        SentEmails sent = sentEmails(window, maxKeys);
        long step = Duration.ofSeconds(1).toNanos() / 2_000;
        long keys = window.toNanos() / step;
        assertEquals(1_200_000, keys);

        for (long key = 0; key < keys; key++) {
            assertTrue(sent.firstTime(new UUID(key, ~key)));
            clock.addAndGet(step);
        }
        clock.addAndGet(-step); // the moment of the last key
        for (long key = 0; key < keys; key++) {
            assertFalse(sent.firstTime(new UUID(key, ~key)), "key " + key + " forgotten within the window");
        }
        assertEquals(keys, sent.remembered());
    }

    /**
     * Random keys (some repeated, some many times), sends and pauses against the obvious model, a map in insertion
     * order, over a small limit (so that the ring and its index grow, wrap around and forget at both ends).
     */
    @Test
    void answersAsAnInsertionOrderedMapWould() {
        Random random = new Random(42);
        Duration window = Duration.ofSeconds(10);
        int maxKeys = 3_000;
        SentEmails sent = sentEmails(window, maxKeys);
        Map<UUID, Long> model = new LinkedHashMap<>();
        List<UUID> seen = new ArrayList<>();
        for (int call = 0; call < 300_000; call++) {
            UUID key;
            int kind = random.nextInt(10);
            if (kind < 6 || seen.isEmpty()) {
                key = new UUID(random.nextLong(), random.nextLong());
                seen.add(key);
            } else if (kind < 9) {
                key = seen.get(seen.size() - 1 - random.nextInt(Math.min(seen.size(), 5_000)));
            } else {
                // ids equal in one half: a weak mix of the two would put them in one slot
                key = new UUID(call % 7, random.nextInt(50));
            }
            clock.addAndGet(random.nextInt(100) == 0 ? Duration.ofSeconds(3).toNanos() : random.nextInt(100_000));
            long now = clock.get();
            model.values().removeIf(at -> now - at >= window.toNanos());
            boolean expected = !model.containsKey(key);
            if (expected) {
                model.put(key, now);
                if (model.size() > maxKeys) {
                    model.remove(model.keySet().iterator().next());
                }
            }
            assertEquals(expected, sent.firstTime(key), "call " + call + ", key " + key);
            assertEquals(model.size(), sent.remembered(), "call " + call);
        }
    }
}
