package dev.microkit.stork.etcd;

import java.util.Optional;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Remembers why the last etcd call failed, until one succeeds. jetcd retries UNAVAILABLE by itself (twice, backing
 * off from 500 ms), so a TLS handshake that keeps failing outlasts a request's deadline and the caller sees only its
 * own timeout; this keeps the real cause for the log line and the readiness check. Installed as a jetcd client
 * interceptor ({@link #interceptor()}): it sees every attempt, the retried ones and jetcd's Authenticate calls.
 */
public final class LastEtcdFailure {

    private volatile Status last;

    /** The status of the last failed call, if no call succeeded since. */
    public Optional<Status> get() {
        return Optional.ofNullable(last);
    }

    /**
     * The interceptor to give jetcd. A method reference, not a class implementing {@link ClientInterceptor}: Quarkus'
     * gRPC extension takes every such class for one of its own clients' interceptors, and warns it is unused.
     */
    public ClientInterceptor interceptor() {
        return this::interceptCall;
    }

    private <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (status.isOk()) {
                            last = null;
                        } else if (status.getCode() != Status.Code.CANCELLED) {
                            last = status;
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}
