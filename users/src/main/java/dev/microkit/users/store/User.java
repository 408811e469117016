package dev.microkit.users.store;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A user as stored in etcd and shown by {@code GET /users/{id}}, with the state of its welcome email. */
@RegisterForReflection
public record User(String id, String email, Instant createdAt, Notification notification) {

    /** Whether its welcome email is recorded as sent. */
    public boolean welcomed() {
        return notification != null && Notification.SENT.equals(notification.state());
    }

    /** This user with the welcome email {@code notificationId} sent now. */
    public User sent(String notificationId) {
        return new User(id, email, createdAt, Notification.sent(notificationId, Instant.now()));
    }

    /** The welcome email: {@code pending} until a notificator took it, then {@code sent} with its id and time. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Notification(String state, String id, Instant sentAt) {

        public static final String PENDING = "pending";
        public static final String SENT = "sent";

        static Notification pending() {
            return new Notification(PENDING, null, null);
        }

        static Notification sent(String id, Instant at) {
            return new Notification(SENT, id, at);
        }
    }
}
