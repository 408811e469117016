package dev.microkit.users.store;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A user as stored in etcd and shown by {@code GET /users/{id}}. */
@RegisterForReflection
public record User(String id, String email, Instant createdAt) {
}
