package dev.microkit.stork.etcd.registration;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.stork.etcd.EtcdInfrastructure;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.stork.api.ServiceRegistrar;
import io.smallrye.stork.api.config.ServiceRegistrarAttribute;
import io.smallrye.stork.api.config.ServiceRegistrarType;
import io.smallrye.stork.spi.ServiceRegistrarProvider;
import io.smallrye.stork.spi.StorkInfrastructure;

/**
 * Stork service registrar {@code etcd}: {@code quarkus.stork.<service>.service-registrar.type=etcd}. Its settings are
 * the extension's, {@code quarkus.etcd.prefix} and {@code quarkus.etcd.registration.*} (typed, each an environment
 * variable too); a registrar's attributes below override them for one service. Quarkus calls only Stork's built-in
 * registrars by itself; an application registers with this one through Stork
 * ({@code Stork.getInstance().getService(name).getServiceRegistrar()}), e.g. when it starts, and deregisters before
 * it stops serving. Works with Stork alone too ({@link EtcdInfrastructure}). {@code EtcdRegistrarConfiguration} is
 * generated from the attributes below.
 */
@ServiceRegistrarType(value = "etcd", metadataKey = EtcdMetadataKey.class)
@ServiceRegistrarAttribute(name = "endpoints", description = "etcd client URLs, comma-separated; "
        + "by default quarkus.etcd.endpoints")
@ServiceRegistrarAttribute(name = "prefix", description = "key prefix under which services register; "
        + "by default quarkus.etcd.prefix (/services/)")
@ServiceRegistrarAttribute(name = "ttl", description = "lease TTL: how long a crashed instance stays listed; "
        + "whole seconds, at least 2s; by default quarkus.etcd.registration.ttl (10s)")
@ServiceRegistrarAttribute(name = "deregister-timeout", description = "deadline of revoking the lease; "
        + "by default quarkus.etcd.registration.deregister-timeout (2s)")
@ServiceRegistrarAttribute(name = "retry-initial-backoff", description = "first pause between registration "
        + "attempts while etcd cannot be reached; by default quarkus.etcd.registration.retry-initial-backoff (200ms)")
@ServiceRegistrarAttribute(name = "retry-max-backoff", description = "longest pause between registration attempts; "
        + "by default quarkus.etcd.registration.retry-max-backoff (5s)")
@ApplicationScoped
public class EtcdServiceRegistrarProvider
        implements ServiceRegistrarProvider<EtcdRegistrarConfiguration, EtcdMetadataKey> {

    static final Duration MIN_TTL = Duration.ofSeconds(2);

    // Field injection: the generated loader needs a no-argument constructor (it falls back to it without CDI, and
    // this stays null).
    @Inject
    EtcdInfrastructure injected;

    private final Map<String, EtcdServiceRegistrar> registrars = new ConcurrentHashMap<>();

    /** Called when Stork starts; no connection is made. */
    @Override
    public ServiceRegistrar<EtcdMetadataKey> createServiceRegistrar(EtcdRegistrarConfiguration config,
            String serviceName, StorkInfrastructure infrastructure) {
        EtcdInfrastructure etcd = EtcdInfrastructure.of(injected, infrastructure);
        EtcdConfig.Registration defaults = etcd.config().registration();
        Duration ttl = duration(serviceName, "ttl", config.getTtl(), defaults.ttl());
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException((attribute(serviceName, "ttl", config.getTtl()) != null
                    ? attributeName(serviceName, "ttl") : "quarkus.etcd.registration.ttl")
                    + " must be whole seconds and at least 2s (etcd leases count seconds, and a shorter one expires "
                    + "between two keep-alives): " + ttl);
        }
        EtcdRegistrarSettings settings = new EtcdRegistrarSettings(
                etcd.endpoints(attribute(serviceName, "endpoints", config.getEndpoints())),
                etcd.prefix(attribute(serviceName, "prefix", config.getPrefix())), ttl, etcd.config().requestTimeout(),
                duration(serviceName, "deregister-timeout", config.getDeregisterTimeout(),
                        defaults.deregisterTimeout()),
                duration(serviceName, "retry-initial-backoff", config.getRetryInitialBackoff(),
                        defaults.retryInitialBackoff()),
                duration(serviceName, "retry-max-backoff", config.getRetryMaxBackoff(), defaults.retryMaxBackoff()));
        EtcdServiceRegistrar registrar = new EtcdServiceRegistrar(serviceName, settings,
                etcd.clients().forEndpoints(settings.endpoints()), etcd.clients().lastFailure(), etcd.json(),
                etcd.meters());
        registrars.put(serviceName, registrar);
        return registrar;
    }

    /** The registrar Stork created for {@code serviceName}, if it did: its state, for readiness checks. */
    public Optional<EtcdServiceRegistrar> registrar(String serviceName) {
        return Optional.ofNullable(registrars.get(serviceName));
    }

    /** Every registrar Stork created, by service name. */
    public Map<String, EtcdServiceRegistrar> registrars() {
        return new TreeMap<>(registrars);
    }

    private static String attribute(String serviceName, String name, String fromStork) {
        return EtcdInfrastructure.attribute(serviceName, "service-registrar", name, fromStork);
    }

    private static String attributeName(String serviceName, String name) {
        return "quarkus.stork." + serviceName + ".service-registrar." + name;
    }

    /** The service's attribute {@code name} if it has one, else the extension's setting. */
    private static Duration duration(String serviceName, String name, String fromStork, Duration setting) {
        String value = attribute(serviceName, name, fromStork);
        if (value == null || value.isBlank()) {
            return setting;
        }
        try {
            return DurationConverter.parseDuration(value);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(attributeName(serviceName, name)
                    + " is not a duration (like 10s, 500ms, PT1M): " + value, e);
        }
    }
}
