package dev.microkit.stork.etcd;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * Turns a failed etcd call into one line an operator can act on: which setting is probably wrong (password, CA,
 * client certificate, permissions), not a gRPC status wrapped three times. Such lines name settings, never their
 * values, so they are safe for logs and health data.
 */
public final class EtcdErrors {

    private EtcdErrors() {
    }

    /**
     * @param last what the last failed call to etcd said: when {@code failure} is only a timeout, the reason is
     *             often there (a TLS or authentication failure that jetcd kept retrying)
     */
    public static String describe(Throwable failure, LastEtcdFailure last) {
        String described = describe(failure);
        if (unwrap(failure) instanceof TimeoutException) {
            Optional<String> cause = last.get().map(status -> describe(status.asRuntimeException()));
            if (cause.isPresent()) {
                return described + "; last error: " + cause.get();
            }
        }
        return described;
    }

    /**
     * etcd no longer knows the lease (revoked, or expired during an outage): a new one is needed. jetcd delivers it as
     * its own {@link EtcdException} from some calls and as the raw gRPC status from others (a put on the lease):
     * NOT_FOUND, "etcdserver: requested lease not found".
     */
    public static boolean isLeaseNotFound(Throwable failure) {
        return Causes.of(failure).anyMatch(cause -> cause instanceof EtcdException e
                ? e.getErrorCode() == ErrorCode.NOT_FOUND
                : (cause instanceof StatusRuntimeException || cause instanceof StatusException)
                        && Status.fromThrowable(cause).getCode() == Status.Code.NOT_FOUND);
    }

    public static String describe(Throwable thrown) {
        Throwable failure = unwrap(thrown);
        Optional<String> known = Causes.of(failure).map(EtcdErrors::known).filter(Objects::nonNull).findFirst();
        if (known.isPresent()) {
            return known.get();
        }
        if (failure instanceof TimeoutException) {
            return failure.getMessage() != null ? failure.getMessage() : "etcd did not answer in time";
        }
        Status status = Status.fromThrowable(failure);
        return "etcd call failed: " + status.getCode()
                + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String known(Throwable cause) {
        String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (cause instanceof SSLException) {
            if (message.contains("pkix") || message.contains("certification path")) {
                return "TLS to etcd failed: etcd's certificate is not signed by a CA in quarkus.etcd.tls.ca-file";
            }
            if (message.contains("bad_certificate") || message.contains("certificate_required")
                    || message.contains("unknown_ca")) {
                return "TLS to etcd failed: etcd refused this client's certificate (set quarkus.etcd.tls.cert-file and "
                        + "quarkus.etcd.tls.key-file to a certificate signed by a CA etcd trusts)";
            }
            if (message.contains("subject alternative") || message.contains("no name matching")) {
                return "TLS to etcd failed: etcd's certificate does not name the host in quarkus.etcd.endpoints";
            }
            if (message.contains("not an ssl/tls record")) {
                return "TLS to etcd failed: etcd does not speak TLS there (use http:// endpoints)";
            }
            return "TLS to etcd failed: " + cause.getMessage();
        }
        if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
            if (message.contains("authentication failed")) {
                return "etcd rejected the credentials: wrong quarkus.etcd.username or quarkus.etcd.password";
            }
            if (message.contains("user name is empty")) {
                return "etcd requires authentication: set quarkus.etcd.username and quarkus.etcd.password";
            }
            if (message.contains("authentication is not enabled")) {
                return "quarkus.etcd.username is set but etcd has authentication disabled: unset "
                        + "quarkus.etcd.username/password";
            }
            if (message.contains("permission denied")) {
                return "etcd denied the request (permission denied): the etcd user (quarkus.etcd.username, or without "
                        + "it the "
                        + "client certificate's common name) lacks read/write permission on the key";
            }
        }
        return null;
    }
}
