package dev.microkit.users.notify;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.quarkus.opentelemetry.runtime.tracing.instrumentation.grpc.GrpcTracingClientInterceptor;

/**
 * Tracing of users' own notificator channels. Every call carries the trace it belongs to in its {@link CallOptions}
 * ({@link #TRACE}), captured once where the SendEmail started: the thread that makes an attempt (a retry runs on a
 * timer, a lookup completes on an etcd callback) may carry any context, even an earlier request's, and nothing here
 * reads it. Without that option, the current context is used.
 * <p>
 * A call of a sampled trace, and one that starts a trace of its own ({@link Context#root()}: the sampler decides),
 * goes through Quarkus' gRPC client interceptor, which records a CLIENT span and passes the context on. A call of an
 * unsampled trace (all of them with the default sampler ratio 0) only gets the W3C trace context in its metadata, so
 * that notificator still logs the same trace id. Quarkus' interceptor does much more for such a call, a cost the
 * benchmark's P1b showed in the client path (deploy/README.md).
 */
@ApplicationScoped
class CallTracing {

    /** The trace a call belongs to. */
    static final CallOptions.Key<Context> TRACE = CallOptions.Key.create("dev.microkit.users.trace");

    private static final Map<String, Metadata.Key<String>> KEYS = new ConcurrentHashMap<>();
    private static final TextMapSetter<Metadata> SETTER = (headers, name, value) -> headers.put(
            KEYS.computeIfAbsent(name, key -> Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)), value);

    /** Null without the OpenTelemetry extension. */
    private final ClientInterceptor recording;
    private final TextMapPropagator propagator;

    @Inject
    CallTracing(Instance<GrpcTracingClientInterceptor> quarkus, Instance<OpenTelemetry> openTelemetry) {
        this.recording = quarkus.isResolvable() ? quarkus.get() : null;
        this.propagator = openTelemetry.isResolvable() ? openTelemetry.get().getPropagators().getTextMapPropagator()
                : TextMapPropagator.noop();
    }

    /** The interceptors to put on a channel: none without the OpenTelemetry extension. */
    List<ClientInterceptor> interceptors() {
        // A method reference, not a class implementing ClientInterceptor: Quarkus' gRPC extension takes every such
        // class for an interceptor of its own clients, and warns that it is unused.
        return recording == null ? List.of() : List.of(this::interceptCall);
    }

    private <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Context trace = options.getOption(TRACE);
        Context context = trace != null ? trace : Context.current();
        SpanContext span = Span.fromContext(context).getSpanContext();
        if (span.isSampled() || !span.isValid()) {
            try (Scope ignored = context.makeCurrent()) { // Quarkus' interceptor starts its span from the current
                return recording.interceptCall(method, options, next);
            }
        }
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                propagator.inject(context, headers, SETTER);
                super.start(listener, headers);
            }
        };
    }
}
