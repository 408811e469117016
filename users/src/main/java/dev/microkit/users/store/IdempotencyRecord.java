package dev.microkit.users.store;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** What {@code /users/by-idempotency-key/<key>} holds: the user a request with that key created, and its email. */
@RegisterForReflection
record IdempotencyRecord(String id, String email) {
}
