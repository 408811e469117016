package dev.microkit.users.store;

/**
 * A welcome email that was sent, to record: its user, whose {@link User#notification()} says sent, and the outbox entry
 * it leaves.
 */
public record SentWelcome(User user, PendingWelcome entry) {
}
