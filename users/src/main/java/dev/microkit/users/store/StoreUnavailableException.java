package dev.microkit.users.store;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.grpc.Status;

/**
 * etcd did not answer within the request timeout, or could not be reached. The message is short and safe to show a
 * client: the gRPC status code, never the underlying message (which may carry addresses and stack traces).
 */
public class StoreUnavailableException extends RuntimeException {

    private StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param what what could not be done, e.g. "store the user" */
    public static StoreUnavailableException because(String what, Throwable failure, Duration timeout) {
        String why = failure instanceof TimeoutException ? "did not answer within " + timeout.toMillis() + " ms"
                : "is unavailable (" + Status.fromThrowable(failure).getCode() + ")";
        return new StoreUnavailableException("cannot " + what + ": etcd " + why, failure);
    }
}
