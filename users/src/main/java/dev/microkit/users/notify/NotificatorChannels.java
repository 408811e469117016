package dev.microkit.users.notify;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.quarkus.micrometer.runtime.binder.grpc.GrpcMetricsClientInterceptor;
import io.quarkus.runtime.Startup;
import io.smallrye.stork.api.ServiceInstance;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/**
 * One gRPC channel per notificator instance, on Quarkus' own Vert.x event loops (no threads of its own) with a direct
 * executor: no thread hop per call (about half the client path's rate, deploy/README.md). Vert.x's own
 * {@code VertxChannelBuilder} refuses {@code directExecutor()}, hence the plain {@link NettyChannelBuilder}. Channels
 * of addresses no longer listed are shut down gracefully: calls in flight finish. Instances registered as secure are
 * dialled with TLS ({@code notificator.tls.*}), others in plain text.
 */
@ApplicationScoped
@Startup // a wrong notificator.tls.ca-file stops the start
public class NotificatorChannels {

    private static final Logger LOG = Logger.getLogger(NotificatorChannels.class);

    private final Vertx vertx;
    private final NotificatorConfig.Tls tls;
    private final int connectTimeoutMillis;
    /**
     * Tracing ({@link CallTracing}); and Quarkus' Micrometer gRPC client interceptor, only if it is turned back on
     * ({@code quarkus.micrometer.binder.grpc-client.enabled}, off here: {@link NotificatorCallMetrics} measures the
     * calls for less).
     */
    private final List<ClientInterceptor> instrumentation;
    /** Built at startup, so that a wrong {@code notificator.tls.ca-file} stops the start, not a call. */
    private final SslContext sslContext;
    /** By instance id: ids stay the same for as long as an address stays listed (no string built per call). */
    private final Map<Long, ManagedChannel> channels = new ConcurrentHashMap<>();

    @Inject
    NotificatorChannels(Vertx vertx, NotificatorConfig config, CallTracing tracing,
            Instance<GrpcMetricsClientInterceptor> metrics) {
        this.vertx = vertx;
        List<ClientInterceptor> interceptors = new ArrayList<>();
        metrics.forEach(interceptors::add);
        interceptors.addAll(tracing.interceptors()); // added last, called first: the span covers the metrics' work
        this.instrumentation = List.copyOf(interceptors);
        this.tls = config.tls();
        this.connectTimeoutMillis = (int) Math.max(1, config.connectTimeout().toMillis());
        this.sslContext = sslContext(tls);
    }

    private static SslContext sslContext(NotificatorConfig.Tls tls) {
        SslContextBuilder builder = GrpcSslContexts.forClient();
        tls.caFile().ifPresent(ca -> {
            if (!Files.isReadable(ca)) {
                throw new IllegalArgumentException("notificator.tls.ca-file " + ca + " cannot be read");
            }
            builder.trustManager(ca.toFile());
        });
        try {
            return builder.build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("notificator.tls.ca-file " + tls.caFile().orElse(null)
                    + " cannot be used: " + e.getMessage());
        }
    }

    /**
     * The instance's channel; a new one if the old one's last connection failed. grpc-java keeps a channel whose
     * connection failed in TRANSIENT_FAILURE, reconnecting on its own after a pause that grows from 1 s to 2 minutes,
     * and fails every call at once meanwhile with the old error, also while a reconnection it was told to make now
     * ({@code resetConnectBackoff}) is under way: the channel stays in TRANSIENT_FAILURE until it is READY (gRFC A62,
     * "sticky TRANSIENT_FAILURE"). A new channel's first call waits for its connection instead, for at most
     * {@code notificator.connect-timeout}: an instance back at the same address (a restart) answers the first call that
     * tries it, and a dead one fails it as fast as before. The caller decides how often a failing instance is tried
     * ({@link Ejections}), so this costs a channel per try of a failing instance, never one per call of a healthy one.
     */
    ManagedChannel forInstance(ServiceInstance instance) {
        ManagedChannel channel = channels.computeIfAbsent(instance.getId(), id -> open(instance));
        if (channel.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
            return channel;
        }
        return channels.compute(instance.getId(), (id, current) -> {
            if (current != null && current.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
                return current; // another call replaced it first
            }
            if (current != null) {
                current.shutdown();
            }
            return open(instance);
        });
    }

    private ManagedChannel open(ServiceInstance instance) {
        LOG.debugf("Opening %s channel to notificator %s:%d", instance.isSecure() ? "TLS" : "plain-text",
                instance.getHost(), instance.getPort());
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(instance.getHost(), instance.getPort())
                .eventLoopGroup(vertx.nettyEventLoopGroup())
                .channelFactory(((VertxInternal) vertx).transport().channelFactory(false))
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .intercept(instrumentation)
                .directExecutor();
        if (instance.isSecure()) {
            builder.sslContext(sslContext).useTransportSecurity();
            tls.serverName().ifPresent(builder::overrideAuthority);
        } else {
            builder.usePlaintext();
        }
        return builder.build();
    }

    /** Shuts down the channels of every instance not in {@code listed}. */
    void retainOnly(Collection<ServiceInstance> listed) {
        Set<Long> ids = listed.stream().map(ServiceInstance::getId).collect(Collectors.toSet());
        channels.entrySet().removeIf(entry -> {
            if (ids.contains(entry.getKey())) {
                return false;
            }
            LOG.debugf("Closing channel to notificator instance %d: no longer listed", entry.getKey());
            entry.getValue().shutdown();
            return true;
        });
    }

    @PreDestroy
    void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
