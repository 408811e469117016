package dev.microkit.users.outbox;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How pending welcome emails are retried. Every setting can be given as an environment variable (OUTBOX_...). */
@ConfigMapping(prefix = "outbox")
public interface OutboxConfig {

    /** How often each replica looks for pending welcome emails that are due. */
    @WithDefault("1s")
    Duration pollInterval();

    /**
     * TTL of a replica's claims: a crashed replica's claims free up after it. Also how long a new user's welcome email
     * is left to the replica that created it (to send at once and record) before any replica may send it: longer than
     * {@code notificator.deadline}, checked at start.
     */
    @WithDefault("10s")
    @DurationMin(seconds = 2, message = "outbox.claim-ttl must be at least 2s")
    Duration claimTtl();

    /**
     * The longest a new user's welcome email, sent at once, keeps the replica that creates it: the create (its wait in
     * the queue included) and the record, each within {@code requestTimeout}, the send within {@code sendDeadline},
     * and {@code recordWait} before the record is written.
     */
    default Duration creatorPath(Duration requestTimeout, Duration sendDeadline, Duration recordWait) {
        return requestTimeout.plus(sendDeadline).plus(recordWait).plus(requestTimeout);
    }

    /** Pause before the second attempt; it doubles with each failed attempt. */
    @WithDefault("1s")
    Duration retryInitialBackoff();

    /** Longest pause between attempts. */
    @WithDefault("30s")
    Duration retryMaxBackoff();

    /** Pending welcome emails a replica sends at once. */
    @WithDefault("64")
    @Min(1)
    int maxInFlight();

    /**
     * How long a sent welcome email waits to be recorded in etcd together with others (one transaction for many):
     * the 201 does not wait for it; {@code GET /users/{id}} shows {@code sent} that much later.
     */
    @WithDefault("10ms")
    Duration recordDelay();

    /**
     * Most sent welcome emails recorded in one etcd transaction: 3 operations each, and etcd takes at most 128 per
     * transaction by default ({@code --max-txn-ops}). Over that etcd would refuse every batch, and each email would be
     * sent again and again.
     */
    @WithDefault("42")
    @Min(1)
    @Max(value = 42, message = "outbox.record-batch must be at most 42 (3 etcd operations each, 128 per transaction)")
    int recordBatch();
}
