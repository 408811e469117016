package dev.microkit.stork.etcd.registration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.EtcdEndpointValue;
import dev.microkit.stork.etcd.EtcdLeases;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.LastEtcdFailure;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.ServiceRegistrar;

/**
 * Stork service registrar {@code etcd}: keeps the instances of one Stork service that this application registers
 * listed in etcd, each under {@code <prefix><service>/<host>:<port>} with etcd's naming endpoint JSON as its value
 * ({@link EtcdEndpointValue}), on a lease of its own that is kept alive ({@link InstanceRegistration}): a crashed
 * application's instances disappear after the lease's TTL, and one instance's lost lease is no other's concern.
 * <p>
 * Stork 2 deregisters by service name: {@link #deregisterServiceInstance(String)} deregisters every instance this
 * registrar lists; {@link #deregisterServiceInstance(String, String, int)} one of them (Stork 3 adds that method, with
 * this signature, to {@link ServiceRegistrar}).
 */
public class EtcdServiceRegistrar implements ServiceRegistrar<EtcdMetadataKey> {

    private static final Logger LOG = Logger.getLogger(EtcdServiceRegistrar.class);

    private final EtcdRegistrarSettings settings;
    private final Client etcd;
    private final EtcdLeases leases;
    private final LastEtcdFailure lastEtcdFailure;
    private final ObjectMapper json;
    private final Counter reregistrations;
    /** Guarded by this: by etcd key, in the order they were registered. */
    private final Map<String, InstanceRegistration> instances = new LinkedHashMap<>();

    EtcdServiceRegistrar(String serviceName, EtcdRegistrarSettings settings, Client etcd,
            LastEtcdFailure lastEtcdFailure, ObjectMapper json, MeterRegistry meters) {
        this.settings = settings;
        this.etcd = etcd;
        this.leases = new EtcdLeases(etcd, settings.requestTimeout());
        this.lastEtcdFailure = lastEtcdFailure;
        this.json = json;
        Gauge.builder("etcd.registration.registered", this,
                registrar -> registrar.instances().stream().filter(i -> i.holding().isPresent()).count())
                .tag("service", serviceName)
                .description("instances of this service that this application keeps listed in etcd now")
                .register(meters);
        this.reregistrations = Counter.builder("etcd.registration.reregistrations").tag("service", serviceName)
                .description("registrations made again after the lease was lost").register(meters);
    }

    /**
     * Lists {@code ipAddress:defaultPort} under {@code <prefix><serviceName>/}, with the labels of
     * {@link EtcdMetadataKey#META_ETCD_LABELS} (a {@code Map<String, String>}; e.g. {@code id}, {@code version},
     * {@link EtcdEndpointValue#SECURE}) as the value's {@code Metadata}. The Uni completes once the key is in etcd;
     * registering goes on in the background until the instance is deregistered, also when nobody waits. Registering an
     * address this registrar lists already fails.
     */
    @Override
    public Uni<Void> registerServiceInstance(String serviceName, Metadata<EtcdMetadataKey> metadata, String ipAddress,
            int defaultPort) {
        checkAddressNotNull(ipAddress);
        Map<String, String> labels = EtcdMetadataKey.labelsOf(metadata);
        return Uni.createFrom().deferred(() -> {
            RegistryEntry entry = RegistryEntry.of(key(serviceName, ipAddress, defaultPort),
                    EtcdEndpointValue.write(json, ipAddress, defaultPort, labels));
            InstanceRegistration instance;
            synchronized (this) {
                if (instances.containsKey(entry.key())) {
                    return Uni.createFrom().failure(new IllegalStateException(entry.key()
                            + " is registered already; deregister it first"));
                }
                instance = new InstanceRegistration(entry, settings, etcd, leases, lastEtcdFailure, reregistrations);
                instances.put(entry.key(), instance);
            }
            return instance.start();
        });
    }

    /**
     * Registers with Stork's own options (what Quarkus' automatic registration passes): their {@code metadata} are the
     * published labels. Their {@code tags} are not kept: etcd's naming value has no place for them.
     */
    @Override
    public Uni<Void> registerServiceInstance(RegistrarOptions options) {
        checkRegistrarOptionsNotNull(options);
        return registerServiceInstance(options.serviceName(),
                EtcdMetadataKey.labels(options.metadata() == null ? Map.of() : options.metadata()),
                options.ipAddress(), options.defaultPort());
    }

    /**
     * Deregisters every instance this registrar lists (Stork 2 names only the service): each lease is revoked, so
     * that its key is gone at once. When etcd does not answer within {@code deregister-timeout} this is said in the
     * log, and the Uni completes all the same: etcd drops each key when its lease expires.
     */
    @Override
    public Uni<Void> deregisterServiceInstance(String serviceName) {
        return Uni.createFrom().deferred(() -> {
            List<InstanceRegistration> all;
            synchronized (this) {
                all = new ArrayList<>(instances.values());
                instances.clear();
            }
            if (all.isEmpty()) {
                LOG.infof("No instance of %s registered in etcd, nothing to deregister", serviceName);
                return Uni.createFrom().voidItem();
            }
            return Uni.join().all(all.stream().map(InstanceRegistration::deregister).toList()).andCollectFailures()
                    .replaceWithVoid();
        });
    }

    /** Deregisters one instance, as {@link #deregisterServiceInstance(String)} does all; an unknown one is none. */
    public Uni<Void> deregisterServiceInstance(String serviceName, String ipAddress, int port) {
        return Uni.createFrom().deferred(() -> {
            String key = key(serviceName, ipAddress, port);
            InstanceRegistration instance;
            synchronized (this) {
                instance = instances.remove(key);
            }
            if (instance == null) {
                LOG.infof("%s is not registered by this application, nothing to deregister", key);
                return Uni.createFrom().voidItem();
            }
            return instance.deregister();
        });
    }

    /** The instances it keeps listed, in the order they were registered. */
    public synchronized List<InstanceRegistration> instances() {
        return List.copyOf(instances.values());
    }

    /** The TTL of its leases. */
    public Duration ttl() {
        return settings.ttl();
    }

    /** How long a deregistration waits for etcd at most. */
    public Duration deregisterTimeout() {
        return settings.deregisterTimeout();
    }

    private String key(String serviceName, String ipAddress, int port) {
        return settings.prefix() + serviceName + "/" + EtcdEndpointValue.address(ipAddress, port);
    }
}
