package dev.microkit.stork.etcd;

import java.net.URI;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.smallrye.stork.spi.StorkInfrastructure;

/**
 * What the Stork providers of this extension work with: the etcd clients (and through them the settings), JSON and
 * metrics. In a Quarkus application they are the application's beans; with Stork alone, Stork's infrastructure holds
 * one of each, shared by every provider ({@link EtcdClients#standalone()}, a plain {@link ObjectMapper}, Micrometer's
 * global registry).
 */
public record EtcdInfrastructure(EtcdClients clients, ObjectMapper json, MeterRegistry meters) {

    /** The beans given, or where there are none (no CDI), Stork's shared ones. */
    public static EtcdInfrastructure of(EtcdClients clients, ObjectMapper json, MeterRegistry meters,
            StorkInfrastructure stork) {
        return new EtcdInfrastructure(clients != null ? clients : stork.get(EtcdClients.class, EtcdClients::standalone),
                json != null ? json : stork.get(ObjectMapper.class, ObjectMapper::new),
                meters != null ? meters : Metrics.globalRegistry);
    }

    /** The settings the clients are built with. */
    public EtcdConfig config() {
        return clients.config();
    }

    /** A service's {@code endpoints} attribute (comma-separated URLs), or when it has none {@code
    * quarkus.etcd.endpoints}. */
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
