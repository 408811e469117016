package dev.microkit.notificator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The emails sent recently under an idempotency key. The id of such an email is derived from the key, so every
 * notificator instance answers the same id for it; each instance sends it once within its window. What is remembered
 * is the id (128 bits of the key's digest: two keys with one id would be one email to every client already), not the
 * key, in {@link RecentIds}.
 */
@ApplicationScoped
public class SentEmails {

    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final RecentIds recent;

    @Inject
    SentEmails(IdempotencyConfig config) {
        this(config.window(), config.maxKeys(), System::nanoTime);
    }

    SentEmails(Duration window, int maxKeys, LongSupplier nanoClock) {
        this.windowNanos = window.toNanos();
        this.nanoClock = nanoClock;
        this.recent = new RecentIds(maxKeys);
    }

    /** The id of the email sent under {@code key}: the same on every instance, every time. */
    public static UUID idFor(String key) {
        return UUID.nameUUIDFromBytes(("microkit/notificator/" + key).getBytes(StandardCharsets.UTF_8));
    }

    /** @return true if {@code id} is new within the window (and is now remembered), false for a repeat */
    public synchronized boolean firstTime(UUID id) {
        long now = nanoClock.getAsLong();
        recent.forgetSentUpTo(now - windowNanos);
        if (recent.contains(id.getMostSignificantBits(), id.getLeastSignificantBits())) {
            return false;
        }
        recent.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), now);
        return true;
    }

    /** How many ids are remembered. */
    synchronized int remembered() {
        return recent.size();
    }
}
