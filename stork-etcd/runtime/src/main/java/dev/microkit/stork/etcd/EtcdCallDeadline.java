package dev.microkit.stork.etcd;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Gives every unary etcd call a gRPC deadline of {@code quarkus.etcd.request-timeout}: jetcd sets none, and
 * {@link EtcdCall} only stops waiting at its own, so while etcd stalled (a member paused, a disk stall) every
 * timed-out call stayed open on the connection until etcd answered, and they piled up. With the deadline on the call
 * itself, gRPC cancels it (RST_STREAM) when it passes. Streams (watches, lease keep-alives) are left alone. Counts the
 * unary calls open now.
 */
public final class EtcdCallDeadline {

    private final Duration timeout;
    private final AtomicInteger open = new AtomicInteger();

    public EtcdCallDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    /** Unary etcd calls started and not yet closed. */
    public int open() {
        return open.get();
    }

    /** The interceptor to give jetcd; a method reference for the reason given in {@link LastEtcdFailure}. */
    public ClientInterceptor interceptor() {
        return this::interceptCall;
    }

    private <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            return next.newCall(method, options);
        }
        CallOptions bounded = options.getDeadline() != null ? options
                : options.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return new SimpleForwardingClientCall<>(next.newCall(method, bounded)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                open.incrementAndGet();
                super.start(new SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        open.decrementAndGet();
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}
