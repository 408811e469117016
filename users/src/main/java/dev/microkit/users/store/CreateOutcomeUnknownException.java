package dev.microkit.users.store;

import java.time.Duration;

/**
 * etcd did not answer in time a transaction it had been sent: it may have stored the user or not, and cannot be asked
 * before the caller's deadline. Asked again with the same {@code Idempotency-Key}, the request answers which.
 */
public class CreateOutcomeUnknownException extends RuntimeException {

    public CreateOutcomeUnknownException(Duration timeout) {
        super("etcd did not answer within " + timeout.toMillis() + " ms, after the user was sent to it: it may or may "
                + "not have been stored; ask again with the same Idempotency-Key header to learn which (without one, "
                + "a 409 means it was)", null, false, false);
    }
}
