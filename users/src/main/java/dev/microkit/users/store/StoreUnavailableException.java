package dev.microkit.users.store;

/** etcd did not answer within the request timeout, or could not be reached. */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
