package dev.microkit.stork.etcd.registration;

import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.stork.api.ServiceRegistrar;
import io.smallrye.stork.api.config.ServiceRegistrarAttribute;
import io.smallrye.stork.api.config.ServiceRegistrarType;
import io.smallrye.stork.spi.ServiceRegistrarProvider;
import io.smallrye.stork.spi.StorkInfrastructure;

/**
 * Stork service registrar {@code etcd}: {@code quarkus.stork.<service>.service-registrar.type=etcd}. Quarkus calls
 * only Stork's built-in registrars by itself; an application registers with this one through Stork
 * ({@code Stork.getInstance().getService(name).getServiceRegistrar()}), e.g. when it starts, and deregisters before
 * it stops serving. {@code EtcdRegistrarConfiguration} is generated from the attributes below.
 */
@ServiceRegistrarType(value = "etcd", metadataKey = EtcdMetadataKey.class)
@ServiceRegistrarAttribute(name = "endpoints", description = "etcd client URLs, comma-separated; "
        + "by default the etcd.endpoints setting")
@ServiceRegistrarAttribute(name = "prefix", description = "key prefix under which services register",
        defaultValue = "/services/")
@ServiceRegistrarAttribute(name = "ttl", description = "lease TTL: how long a crashed instance stays listed; "
        + "at least 2s", defaultValue = "10s")
@ServiceRegistrarAttribute(name = "deregister-timeout", description = "deadline of revoking the lease",
        defaultValue = "2s")
@ServiceRegistrarAttribute(name = "retry-initial-backoff", description = "first pause between registration "
        + "attempts while etcd cannot be reached", defaultValue = "200ms")
@ServiceRegistrarAttribute(name = "retry-max-backoff", description = "longest pause between registration attempts",
        defaultValue = "5s")
@ApplicationScoped
public class EtcdServiceRegistrarProvider
        implements ServiceRegistrarProvider<EtcdRegistrarConfiguration, EtcdMetadataKey> {

    static final Duration MIN_TTL = Duration.ofSeconds(2);

    // Field injection: the generated loader needs a no-argument constructor (it falls back to it without CDI).
    @Inject
    EtcdClients clients;
    @Inject
    ObjectMapper json;
    @Inject
    MeterRegistry meters;

    private final Map<String, EtcdServiceRegistrar> registrars = new ConcurrentHashMap<>();

    /** Called when Stork starts; no connection is made. */
    @Override
    public ServiceRegistrar<EtcdMetadataKey> createServiceRegistrar(EtcdRegistrarConfiguration config,
            String serviceName, StorkInfrastructure infrastructure) {
        List<URI> endpoints = config.getEndpoints() == null || config.getEndpoints().isBlank()
                ? clients.config().endpoints()
                : Arrays.stream(config.getEndpoints().split(",")).map(String::trim).filter(s -> !s.isEmpty())
                        .map(URI::create).toList();
        String attributes = "quarkus.stork." + serviceName + ".service-registrar.";
        Duration ttl = duration(attributes + "ttl", config.getTtl());
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException(attributes + "ttl must be whole seconds and at least 2s (etcd leases "
                    + "count seconds, and a shorter one expires between two keep-alives): " + config.getTtl());
        }
        EtcdRegistrarSettings settings = new EtcdRegistrarSettings(endpoints, config.getPrefix(), ttl,
                clients.config().requestTimeout(), duration(attributes + "deregister-timeout",
                        config.getDeregisterTimeout()),
                duration(attributes + "retry-initial-backoff", config.getRetryInitialBackoff()),
                duration(attributes + "retry-max-backoff", config.getRetryMaxBackoff()));
        EtcdServiceRegistrar registrar = new EtcdServiceRegistrar(serviceName, settings,
                clients.forEndpoints(endpoints), clients.lastFailure(), json,
                meters != null ? meters : Metrics.globalRegistry);
        registrars.put(serviceName, registrar);
        return registrar;
    }

    /** The registrar Stork created for {@code serviceName}, if it did: its state, for readiness checks. */
    public Optional<EtcdServiceRegistrar> registrar(String serviceName) {
        return Optional.ofNullable(registrars.get(serviceName));
    }

    private static Duration duration(String name, String value) {
        try {
            return DurationConverter.parseDuration(value);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not a duration (like 10s, 500ms, PT1M): " + value, e);
        }
    }
}
