package dev.microkit.users.store;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A welcome email not sent yet: an outbox entry, {@code /users/outbox-due/<nextAttemptAt>/<user id>}, written in the
 * same transaction as the user. {@code attempts} and {@code nextAttemptAt} pace the retries.
 */
@RegisterForReflection
public record PendingWelcome(String userId, String email, int attempts, Instant nextAttemptAt) {
}
