package dev.microkit.notificator;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.opentelemetry.runtime.config.runtime.OTelRuntimeConfig;
import io.quarkus.opentelemetry.runtime.tracing.instrumentation.grpc.GrpcTracingServerInterceptor;

/**
 * Tracing of the calls notificator serves, in place of Quarkus' own gRPC server instrumentation (switched off with
 * {@code quarkus.otel.instrument.grpc=false}). A call whose caller sent a trace the sampler drops, which is every call
 * from users with the default sampler ratio 0, gets that trace made current and nothing more: its log lines carry the
 * trace id, as Quarkus' instrumentation would give them, without its per-call work (attributes, a span started and
 * ended that records nothing): 0.92x the CPU per SendEmail natively (deploy/README.md, "Benchmark"). Any other call, a
 * sampled trace or one that starts a trace here, goes through Quarkus' interceptor as before (a SERVER span if kept).
 * <p>
 * The sampler is asked as the SDK asks it, with the caller's context and trace id, but without the span's attributes:
 * a sampler that decides by RPC attributes is not supported for calls with a trace (none of Quarkus' does).
 */
@Singleton
@GlobalInterceptor
class CallTracing implements ServerInterceptor {

    private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata headers) {
            return headers.keys();
        }

        @Override
        public String get(Metadata headers, String name) {
            return headers == null ? null : headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final ServerInterceptor recording;
    private final TextMapPropagator propagator;
    /** Null when the SDK is not at hand (disabled): every call then goes through Quarkus' interceptor. */
    private final Sampler sampler;
    private final IdGenerator ids = IdGenerator.random();

    @Inject
    CallTracing(OpenTelemetry openTelemetry, OTelRuntimeConfig config) {
        this.recording = new GrpcTracingServerInterceptor(openTelemetry, config);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.sampler = openTelemetry instanceof OpenTelemetrySdk sdk && !config.sdkDisabled()
                ? sdk.getSdkTracerProvider().getSampler()
                : null;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Context parent = sampler == null ? null : propagator.extract(Context.current(), headers, GETTER);
        SpanContext caller = parent == null ? SpanContext.getInvalid() : Span.fromContext(parent).getSpanContext();
        if (!caller.isValid() || sampler.shouldSample(parent, caller.getTraceId(),
                call.getMethodDescriptor().getFullMethodName(), SpanKind.SERVER, Attributes.empty(), List.of())
                .getDecision() != SamplingDecision.DROP) {
            return recording.interceptCall(call, headers, next);
        }
        // what the SDK makes of a dropped span: a span of the caller's trace with an id of its own, recording nothing
        Context traced = parent.with(Span.wrap(SpanContext.create(caller.getTraceId(), ids.generateSpanId(),
                caller.getTraceFlags(), caller.getTraceState())));
        Scope scope = traced.makeCurrent(); // as Quarkus' interceptor: current until the call ends
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(call, headers);
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    scope.close();
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    scope.close();
                }
            }
        };
    }
}
