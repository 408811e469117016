package dev.microkit.notificator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The emails sent recently under an idempotency key. The id of such an email is derived from the key, so every
 * notificator instance answers the same id for it; each instance sends it once within its window.
 */
@ApplicationScoped
public class SentEmails {

    private final long windowNanos;
    private final Map<String, Long> sentAt;

    @Inject
    SentEmails(IdempotencyConfig config) {
        this(config.window(), config.maxKeys());
    }

    SentEmails(Duration window, int maxKeys) {
        this.windowNanos = window.toNanos();
        this.sentAt = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** The id of the email sent under {@code key}: the same on every instance, every time. */
    public static String idFor(String key) {
        return UUID.nameUUIDFromBytes(("microkit/notificator/" + key).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** @return true if {@code key} is new within the window (and is now remembered), false for a repeat */
    public synchronized boolean firstTime(String key) {
        long now = System.nanoTime();
        Long previous = sentAt.get(key);
        if (previous != null && now - previous < windowNanos) {
            return false;
        }
        sentAt.remove(key); // re-inserted last: insertion order is age order
        sentAt.put(key, now);
        return true;
    }
}
