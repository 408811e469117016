package dev.microkit.stork.etcd;

import java.net.URI;
import java.util.Arrays;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.smallrye.stork.spi.StorkInfrastructure;

/**
 * What the Stork providers of this extension work with: the etcd clients (and through them the settings), JSON and
 * metrics. In a Quarkus application it is a bean made of the application's beans; with Stork alone, Stork's
 * infrastructure holds one, shared by every provider ({@link EtcdClients#standalone()}, a plain {@link ObjectMapper},
 * Micrometer's global registry).
 */
@Singleton
public final class EtcdInfrastructure {

    private final EtcdClients clients;
    private final ObjectMapper json;
    private final MeterRegistry meters;

    @Inject
    public EtcdInfrastructure(EtcdClients clients, ObjectMapper json, MeterRegistry meters) {
        this.clients = clients;
        this.json = json;
        this.meters = meters;
    }

    /**
     * The bean a provider was given, or where there is none (no CDI: the provider was made by Stork's loader), the one
     * Stork's infrastructure holds, made on first use.
     */
    public static EtcdInfrastructure of(EtcdInfrastructure injected, StorkInfrastructure stork) {
        return injected != null ? injected : stork.get(EtcdInfrastructure.class,
                () -> new EtcdInfrastructure(EtcdClients.standalone(), new ObjectMapper(), Metrics.globalRegistry));
    }

    public EtcdClients clients() {
        return clients;
    }

    public ObjectMapper json() {
        return json;
    }

    public MeterRegistry meters() {
        return meters;
    }

    /** The settings the clients are built with. */
    public EtcdConfig config() {
        return clients.config();
    }

    /**
     * A Stork attribute of a service ({@code kind}: {@code service-discovery} or {@code service-registrar}): the value
     * Stork passed, else what the configuration has under its full name, {@code quarkus.stork.<service>.<kind>.<name>}
     * (or standalone Stork's {@code stork.<service>.<kind>.<name>}), else null. Quarkus builds Stork's attributes from
     * the names its configuration sources list, and an environment variable alone lists none: asked for by its full
     * name, {@code QUARKUS_STORK_NOTIFICATOR_SERVICE_DISCOVERY_SELECTOR} is found.
     */
    public static String attribute(String serviceName, String kind, String name, String fromStork) {
        if (fromStork != null && !fromStork.isBlank()) {
            return fromStork;
        }
        Config config;
        try {
            config = ConfigProvider.getConfig();
        } catch (IllegalStateException noConfig) {
            return null;
        }
        String suffix = serviceName + "." + kind + "." + name;
        return config.getOptionalValue("quarkus.stork." + suffix, String.class)
                .or(() -> config.getOptionalValue("stork." + suffix, String.class)).orElse(null);
    }

    /** A service's {@code endpoints} attribute (URLs, comma-separated), else {@code quarkus.etcd.endpoints}. */
    public List<URI> endpoints(String attribute) {
        if (attribute == null || attribute.isBlank()) {
            return config().endpoints();
        }
        return Arrays.stream(attribute.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(URI::create)
                .toList();
    }

    /** A service's {@code prefix} attribute, or when it has none {@code quarkus.etcd.prefix}. */
    public String prefix(String attribute) {
        return attribute == null || attribute.isBlank() ? config().prefix() : attribute;
    }
}
