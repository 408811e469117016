package dev.microkit.users.store;

/** The request's {@code Idempotency-Key} was used before with another body. */
public class IdempotencyKeyReusedException extends RuntimeException {

    public IdempotencyKeyReusedException() {
        super("this Idempotency-Key was used before with another body: use a new key for a new request", null, false,
                false);
    }
}
