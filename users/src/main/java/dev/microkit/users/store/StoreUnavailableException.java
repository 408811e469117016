package dev.microkit.users.store;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.grpc.Status;

/**
 * etcd did not answer within the request timeout, or could not be reached. The message is short and safe to show a
 * client: the gRPC status code, never the underlying message (which may carry addresses and stack traces).
 */
public class StoreUnavailableException extends RuntimeException {

    private final String detail;

    private StoreUnavailableException(String message, String detail, Throwable cause) {
        super(message, cause);
        this.detail = detail;
    }

    /**
     * @param what   what could not be done, e.g. "store the user"
     * @param detail for operators (logs, readiness): which setting is probably wrong, see {@code EtcdErrors}
     */
    public static StoreUnavailableException because(String what, Throwable failure, Duration timeout, String detail) {
        String why = failure instanceof TimeoutException ? "did not answer within " + timeout.toMillis() + " ms"
                : "is unavailable (" + Status.fromThrowable(failure).getCode() + ")";
        return new StoreUnavailableException("cannot " + what + ": etcd " + why, "cannot " + what + ": " + detail,
                failure);
    }

    /** What went wrong, for operators: no secrets, but more than a client should see. */
    public String detail() {
        return detail;
    }
}
