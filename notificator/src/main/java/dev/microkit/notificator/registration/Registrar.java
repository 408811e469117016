package dev.microkit.notificator.registration;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.stork.etcd.EtcdEndpointValue;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.LastEtcdFailure;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.value.registry.ValueRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Keeps this instance listed in etcd for as long as it serves, the way go-kit's {@code sd/etcdv3} registrar does:
 * a key bound to a lease that is kept alive, so that a crashed instance disappears after the lease's TTL.
 * <ul>
 * <li>Registers after the server listens, in the background: the service serves even while etcd is down.</li>
 * <li>When the lease is lost (keep-alive gave up, lease not found, expired during an outage) it grants a new one and
 * puts the key again, with capped backoff, until shutdown.</li>
 * <li>When the key is deleted while the lease lives, it is put back on that lease ({@link OwnKeyWatch}).</li>
 * <li>Deregisters first at shutdown (revokes the lease), while the server still serves for the shutdown delay, so a
 * client that sees the key vanish never meets a closed port.</li>
 * </ul>
 * All etcd calls are asynchronous with a deadline; nothing here blocks a jetcd callback.
 */
@ApplicationScoped
public class Registrar {

    private static final Logger LOG = Logger.getLogger(Registrar.class);

    /** The lease that currently holds the key. */
    public record Holding(String key, long leaseId) {
    }

    private final Client etcd;
    private final EtcdConfig etcdConfig;
    private final RegistrationConfig config;
    private final ValueRegistry runtimeValues;
    private final ObjectMapper json;
    private final LastEtcdFailure lastEtcdFailure;
    private final String version;
    private final Counter reregistrations;
    /** The gRPC server has a certificate (quarkus.grpc.server.ssl.*): it serves TLS only. */
    private final boolean secure;

    private final Object lock = new Object();
    /** Set once, under {@link #lock}, before the first registration attempt. */
    private volatile String key;
    private volatile ByteSequence keyBytes;
    private volatile ByteSequence valueBytes;
    /** Guarded by {@link #lock}. */
    private Holding holding;
    /** Guarded by {@link #lock}. */
    private CloseableClient keepAlive;
    /** Guarded by {@link #lock}. */
    private OwnKeyWatch ownKeyWatch;
    /** Guarded by {@link #lock}. */
    private boolean stopped;
    /** Guarded by {@link #lock}. */
    private boolean registeredBefore;
    /** Guarded by {@link #lock}: only the first failure of a run of failures is logged as a warning. */
    private boolean failureReported;
    /** Why the last registration attempt failed, while not registered; for the readiness check. */
    private volatile String lastFailure;

    @Inject
    Registrar(EtcdClients etcdClients, RegistrationConfig config, ValueRegistry runtimeValues,
            ObjectMapper json, MeterRegistry meters,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate") Optional<String> certificate,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store") Optional<String> keyStore,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.etcd = etcdClients.main();
        this.etcdConfig = etcdClients.config();
        this.config = config;
        this.runtimeValues = runtimeValues;
        this.json = json;
        this.lastEtcdFailure = etcdClients.lastFailure();
        this.version = version;
        Gauge.builder("notificator.registration.registered", this, registrar -> registrar.holding().isPresent() ? 1 : 0)
                .description("1 while this instance is listed in etcd, else 0").register(meters);
        this.reregistrations = Counter.builder("notificator.registration.reregistrations")
                .description("registrations made again after the lease was lost").register(meters);
        this.secure = certificate.isPresent() || keyStore.isPresent();
    }

    /**
     * The gRPC server listens before {@code StartupEvent} (Quarkus starts it in a recorder and waits for the bound
     * port, also with port 0), so this instance can be announced now, in the background.
     */
    void onStart(@Observes StartupEvent event) {
        synchronized (lock) {
            if (key != null || stopped) {
                return;
            }
            announce();
        }
        register();
    }

    private void announce() {
        String host = config.advertisedHost().or(AdvertisedAddress::firstNonLoopbackIpv4)
                .orElse(AdvertisedAddress.LOOPBACK);
        int port = config.advertisedPort().orElseGet(() -> runtimeValues.get(GrpcServer.GRPC_PORT));
        String instanceId = config.instanceId().orElseGet(() -> UUID.randomUUID().toString());
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("id", instanceId);
        labels.put("version", version);
        if (secure) {
            labels.put(EtcdEndpointValue.SECURE, "true");
        }
        key = config.prefix() + config.serviceName() + "/" + EtcdEndpointValue.address(host, port);
        String value = EtcdEndpointValue.write(json, host, port, labels);
        keyBytes = ByteSequence.from(key, UTF_8);
        valueBytes = ByteSequence.from(value, UTF_8);
        LOG.infof("Registering %s = %s in etcd %s (ttl %ss)", key, value, etcdConfig.endpoints(), ttlSeconds());
    }

    /** With {@code quarkus.shutdown.delay} set, this comes first: deregister, then serve for the delay. */
    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        deregister();
    }

    /** Without a shutdown delay, deregister before the server stops all the same. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        deregister();
    }

    /** The lease that holds the key now, if any. */
    public Optional<Holding> holding() {
        synchronized (lock) {
            return Optional.ofNullable(holding);
        }
    }

    private void register() {
        Duration initial = config.retryInitialBackoff();
        Duration max = config.retryMaxBackoff().compareTo(initial) < 0 ? initial : config.retryMaxBackoff();
        Uni.createFrom().deferred(this::attempt)
                .onFailure(failure -> !isStopped()).invoke(this::reportFailure)
                .onFailure(failure -> !isStopped()).retry().withBackOff(initial, max).indefinitely()
                .subscribe().with(this::hold, failure -> LOG.debugf("Registration ended: %s", failure));
    }

    /** The key was put on {@code leaseId} at {@code revision}. */
    private record Put(long leaseId, long revision) {
    }

    /** One try: grant a lease, put the key on it; on failure the lease is revoked again, best effort. */
    private Uni<Put> attempt() {
        if (isStopped()) {
            return Uni.createFrom().failure(new IllegalStateException("shutting down"));
        }
        return withDeadline(() -> etcd.getLeaseClient().grant(ttlSeconds()))
                .map(granted -> granted.getID())
                .chain(leaseId -> withDeadline(() -> etcd.getKVClient().put(keyBytes, valueBytes,
                        PutOption.builder().withLeaseId(leaseId).build()))
                        .onFailure().invoke(() -> revokeQuietly(leaseId))
                        .map(put -> new Put(leaseId, put.getHeader().getRevision())));
    }

    /** The key is on the lease: keep the lease alive and the key in place, unless shutdown came first. */
    private void hold(Put put) {
        long leaseId = put.leaseId();
        OwnKeyWatch watch;
        synchronized (lock) {
            if (stopped) {
                revokeQuietly(leaseId);
                return;
            }
            holding = new Holding(key, leaseId);
            keepAlive = etcd.getLeaseClient().keepAlive(leaseId, new KeepAliveObserver(leaseId));
            watch = new OwnKeyWatch(etcd, key, keyBytes, valueBytes, leaseId, config.retryInitialBackoff(),
                    why -> lost(leaseId, why));
            ownKeyWatch = watch;
            failureReported = false;
            lastFailure = null;
            if (registeredBefore) {
                reregistrations.increment();
            }
            LOG.infof("%s %s in etcd (lease %x)", registeredBefore ? "Re-registered" : "Registered", key, leaseId);
            registeredBefore = true;
        }
        watch.start(put.revision() + 1);
    }

    /** Guarded by {@link #lock}. */
    private void stopWatchingOwnKey() {
        if (ownKeyWatch != null) {
            ownKeyWatch.close();
            ownKeyWatch = null;
        }
    }

    /** The lease is gone or will be: put the key again on a new one. */
    private void lost(long leaseId, String why) {
        synchronized (lock) {
            if (stopped || holding == null || holding.leaseId() != leaseId) {
                return;
            }
            holding = null;
            keepAlive.close();
            keepAlive = null;
            stopWatchingOwnKey();
            LOG.warnf("Registration %s lost (%s); registering again", key, why);
        }
        register();
    }

    private void deregister() {
        Holding held;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            held = holding;
            holding = null;
            if (keepAlive != null) {
                keepAlive.close();
                keepAlive = null;
            }
            stopWatchingOwnKey();
        }
        if (held == null) {
            LOG.infof("Not registered in etcd, nothing to deregister");
            return;
        }
        Duration timeout = config.deregisterTimeout();
        try {
            etcd.getLeaseClient().revoke(held.leaseId()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("Deregistered %s from etcd (lease %x revoked)", held.key(), held.leaseId());
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("Could not deregister %s within %s (%s); etcd drops it when lease %x expires within %ss",
                    held.key(), timeout, e instanceof ExecutionException ? e.getCause() : e, held.leaseId(),
                    ttlSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why registering failed last, while this instance is not registered. */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    private void reportFailure(Throwable failure) {
        String why = EtcdErrors.describe(failure, lastEtcdFailure);
        lastFailure = why;
        synchronized (lock) {
            if (failureReported) {
                LOG.debugf("Registration attempt failed: %s", why);
                return;
            }
            failureReported = true;
        }
        LOG.warnf("Cannot register %s in etcd %s yet: %s; retrying in the background", key, etcdConfig.endpoints(),
                why);
    }

    private void revokeQuietly(long leaseId) {
        etcd.getLeaseClient().revoke(leaseId).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.debugf("Could not revoke lease %x, it expires by itself: %s", leaseId, failure);
            }
        });
    }

    private boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    private long ttlSeconds() {
        return config.ttl().toSeconds();
    }

    /** jetcd calls have no deadline of their own. */
    private <T> Uni<T> withDeadline(Supplier<CompletionStage<T>> call) {
        Duration timeout = etcdConfig.requestTimeout();
        return Uni.createFrom().completionStage(call)
                .ifNoItem().after(timeout)
                .failWith(() -> new TimeoutException("etcd did not answer within " + timeout.toMillis() + " ms"));
    }

    /**
     * jetcd reports a lease that etcd no longer knows with {@code onError(NOT_FOUND)}, and one whose TTL passed
     * without a renewal with {@code onCompleted}; other errors are transient and jetcd keeps retrying by itself.
     */
    private final class KeepAliveObserver implements StreamObserver<LeaseKeepAliveResponse> {
        private final long leaseId;

        KeepAliveObserver(long leaseId) {
            this.leaseId = leaseId;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            // renewed
        }

        @Override
        public void onError(Throwable failure) {
            if (EtcdErrors.isLeaseNotFound(failure)) {
                lost(leaseId, "lease not found");
            } else {
                LOG.debugf("Keep-alive of lease %x failed, jetcd retries: %s", leaseId, failure);
            }
        }

        @Override
        public void onCompleted() {
            lost(leaseId, "lease expired before it could be renewed");
        }
    }
}
