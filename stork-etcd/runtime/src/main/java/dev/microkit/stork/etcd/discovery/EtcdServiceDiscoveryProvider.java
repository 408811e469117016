package dev.microkit.stork.etcd.discovery;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.microkit.stork.etcd.EtcdInfrastructure;
import io.smallrye.stork.api.ServiceDiscovery;
import io.smallrye.stork.api.config.ServiceConfig;
import io.smallrye.stork.api.config.ServiceDiscoveryAttribute;
import io.smallrye.stork.api.config.ServiceDiscoveryType;
import io.smallrye.stork.spi.ServiceDiscoveryProvider;
import io.smallrye.stork.spi.StorkInfrastructure;

/**
 * Stork service discovery {@code etcd}: {@code quarkus.stork.<service>.service-discovery.type=etcd}. It finds the
 * instances registered under {@code <prefix><service>/} (the layout of go-kit's {@code sd/etcdv3}, and of etcd's gRPC
 * naming), and follows them with a watch. {@code EtcdConfiguration} is generated from the attributes below. Works in
 * a Quarkus application (the extension's beans) and with Stork alone ({@link EtcdInfrastructure}).
 */
@ServiceDiscoveryType("etcd")
@ServiceDiscoveryAttribute(name = "endpoints", description = "etcd client URLs, comma-separated; "
        + "by default quarkus.etcd.endpoints")
@ServiceDiscoveryAttribute(name = "prefix", description = "key prefix under which services register; "
        + "by default quarkus.etcd.prefix (/services/)")
@ServiceDiscoveryAttribute(name = "selector", description = "only instances whose labels match, in Kubernetes' label "
        + "selector syntax: e.g. version=2; zone in (eu-1a, eu-1b); !canary (comma: all must hold); by default all")
@ApplicationScoped
public class EtcdServiceDiscoveryProvider implements ServiceDiscoveryProvider<EtcdConfiguration> {

    // Field injection: the generated loader needs a no-argument constructor (it falls back to it without CDI, and
    // this stays null).
    @Inject
    EtcdInfrastructure injected;

    private final Map<String, EtcdServiceDiscovery> discoveries = new ConcurrentHashMap<>();

    /** Called when Stork starts, on the main thread: the jetcd client is built here, no connection made. */
    @Override
    public ServiceDiscovery createServiceDiscovery(EtcdConfiguration config, String serviceName,
            ServiceConfig serviceConfig, StorkInfrastructure storkInfrastructure) {
        EtcdInfrastructure etcd = EtcdInfrastructure.of(injected, storkInfrastructure);
        String selectorText = attribute(serviceName, "selector", config.getSelector());
        LabelSelector selector;
        try {
            selector = LabelSelector.parse(selectorText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("quarkus.stork." + serviceName + ".service-discovery.selector: "
                    + e.getMessage(), e);
        }
        EtcdServiceDiscovery discovery = new EtcdServiceDiscovery(serviceName,
                etcd.prefix(attribute(serviceName, "prefix", config.getPrefix())), selector,
                etcd.clients().forEndpoints(etcd.endpoints(attribute(serviceName, "endpoints", config.getEndpoints()))),
                etcd.clients().lastFailure(), etcd.json(), etcd.config().requestTimeout(), etcd.meters());
        // watches end before the clients close: a watch its closing client broke would be reported and re-synced
        etcd.clients().beforeClose(discovery::close);
        discoveries.put(serviceName, discovery);
        return discovery;
    }

    private static String attribute(String serviceName, String name, String fromStork) {
        return EtcdInfrastructure.attribute(serviceName, "service-discovery", name, fromStork);
    }

    /** Every discovery Stork created, by service name. */
    public Map<String, EtcdServiceDiscovery> discoveries() {
        return new TreeMap<>(discoveries);
    }
}
