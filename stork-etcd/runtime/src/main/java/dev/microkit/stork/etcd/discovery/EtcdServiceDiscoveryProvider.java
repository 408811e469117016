package dev.microkit.stork.etcd.discovery;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.stork.api.ServiceDiscovery;
import io.smallrye.stork.api.config.ServiceConfig;
import io.smallrye.stork.api.config.ServiceDiscoveryAttribute;
import io.smallrye.stork.api.config.ServiceDiscoveryType;
import io.smallrye.stork.spi.ServiceDiscoveryProvider;
import io.smallrye.stork.spi.StorkInfrastructure;

/**
 * Stork service discovery {@code etcd}: {@code quarkus.stork.<service>.service-discovery.type=etcd}. It finds the
 * instances registered under {@code <prefix><service>/} (the layout of go-kit's {@code sd/etcdv3}, and of etcd's gRPC
 * naming), and follows them with a watch. {@code EtcdConfiguration} is generated from the attributes below.
 */
@ServiceDiscoveryType("etcd")
@ServiceDiscoveryAttribute(name = "endpoints", description = "etcd client URLs, comma-separated; "
        + "by default the etcd.endpoints setting")
@ServiceDiscoveryAttribute(name = "prefix", description = "key prefix under which services register",
        defaultValue = "/services/")
@ApplicationScoped
public class EtcdServiceDiscoveryProvider implements ServiceDiscoveryProvider<EtcdConfiguration> {

    // Field injection: the generated loader needs a no-argument constructor (it falls back to it without CDI).
    @Inject
    EtcdClients clients;
    @Inject
    EtcdConfig etcdConfig;
    @Inject
    ObjectMapper json;
    @Inject
    MeterRegistry meters;

    private final List<EtcdServiceDiscovery> discoveries = new CopyOnWriteArrayList<>();

    /** Called when Stork starts, on the main thread: the jetcd client is built here, no connection made. */
    @Override
    public ServiceDiscovery createServiceDiscovery(EtcdConfiguration config, String serviceName,
            ServiceConfig serviceConfig, StorkInfrastructure storkInfrastructure) {
        List<URI> endpoints = config.getEndpoints() == null || config.getEndpoints().isBlank()
                ? etcdConfig.endpoints()
                : Arrays.stream(config.getEndpoints().split(",")).map(String::trim).filter(s -> !s.isEmpty())
                        .map(URI::create).toList();
        EtcdServiceDiscovery discovery = new EtcdServiceDiscovery(serviceName, config.getPrefix(),
                clients.forEndpoints(endpoints), clients.lastFailure(), json, etcdConfig.requestTimeout(),
                meters != null ? meters : Metrics.globalRegistry);
        discoveries.add(discovery);
        return discovery;
    }

    /**
     * Watches end at shutdown, before the etcd clients close: a watch that its closing client breaks would be
     * reported as broken and re-synced.
     */
    void close(@Observes ShutdownEvent event) {
        discoveries.forEach(EtcdServiceDiscovery::close);
    }
}
