package dev.microkit.notificator.registration;

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
 * interceptor: it sees every attempt, the retried ones and jetcd's own Authenticate calls included.
 */
public final class LastEtcdFailure implements ClientInterceptor {

    private volatile Status last;

    /** The status of the last failed call, if no call succeeded since. */
    public Optional<Status> get() {
        return Optional.ofNullable(last);
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
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
