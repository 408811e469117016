package dev.microkit.stork.etcd.devui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.discovery.EtcdServiceDiscovery;
import dev.microkit.stork.etcd.discovery.EtcdServiceDiscoveryProvider;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrar;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrarProvider;
import dev.microkit.stork.etcd.registration.InstanceRegistration;
import io.smallrye.stork.api.ServiceInstance;

/**
 * What the Dev UI card shows (dev mode only, through Dev UI's JSON-RPC): the etcd the application talks to, the
 * registrations it holds, the services it discovers and their instances as last seen, the last etcd failure. Read from
 * what the extension already knows: no etcd call is made for it.
 */
public class EtcdDevUiRpc {

    private final EtcdClients clients;
    private final EtcdServiceDiscoveryProvider discoveries;
    private final EtcdServiceRegistrarProvider registrars;

    @Inject
    public EtcdDevUiRpc(EtcdClients clients, EtcdServiceDiscoveryProvider discoveries,
            EtcdServiceRegistrarProvider registrars) {
        this.clients = clients;
        this.discoveries = discoveries;
        this.registrars = registrars;
    }

    /** The card's label: e.g. "1 registration, 2 instances seen". */
    public String getLabel() {
        long held = registrars.registrars().values().stream().flatMap(r -> r.instances().stream())
                .filter(instance -> instance.holding().isPresent()).count();
        int seen = discoveries.discoveries().values().stream()
                .mapToInt(d -> d.knownInstances().map(List::size).orElse(0)).sum();
        return held + (held == 1 ? " registration, " : " registrations, ") + seen
                + (seen == 1 ? " instance seen" : " instances seen");
    }

    /** Everything the page shows, as JSON. */
    public Map<String, Object> getState() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("endpoints", clients.config().endpoints().stream().map(Object::toString).toList());
        state.put("prefix", clients.config().prefix());
        state.put("requestTimeout", clients.config().requestTimeout().toMillis() + " ms");
        state.put("lastFailure", clients.lastFailure().get()
                .map(status -> EtcdErrors.describe(status.asRuntimeException())).orElse(null));
        List<Map<String, Object>> registrations = new ArrayList<>();
        registrars.registrars().forEach((service, registrar) -> {
            if (registrar.instances().isEmpty()) {
                registrations.add(registration(service, registrar, null));
            }
            registrar.instances().forEach(instance -> registrations.add(registration(service, registrar, instance)));
        });
        state.put("registrations", registrations);
        List<Map<String, Object>> services = new ArrayList<>();
        discoveries.discoveries().forEach((service, discovery) -> services.add(discovered(service, discovery)));
        state.put("services", services);
        return state;
    }

    /** @param instance null before the application registered any */
    private static Map<String, Object> registration(String service, EtcdServiceRegistrar registrar,
            InstanceRegistration instance) {
        Map<String, Object> registration = new LinkedHashMap<>();
        registration.put("service", service);
        registration.put("ttl", registrar.ttl().toSeconds() + "s");
        if (instance == null) {
            registration.put("notListed", "not registered yet");
            return registration;
        }
        instance.holding().ifPresentOrElse(held -> {
            registration.put("key", held.key());
            registration.put("lease", Long.toHexString(held.leaseId()));
        }, () -> registration.put("notListed", instance.describe()));
        return registration;
    }

    private static Map<String, Object> discovered(String service, EtcdServiceDiscovery discovery) {
        Map<String, Object> discovered = new LinkedHashMap<>();
        discovered.put("service", service);
        discovered.put("prefix", discovery.prefix());
        discovered.put("instances", discovery.knownInstances().map(instances -> instances.stream()
                .map(EtcdDevUiRpc::instance).toList()).orElse(null));
        return discovered;
    }

    private static Map<String, Object> instance(ServiceInstance instance) {
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("address", instance.getHost() + ":" + instance.getPort());
        seen.put("key", instance.getMetadata().getMetadata().get(EtcdMetadataKey.META_ETCD_KEY));
        seen.put("labels", instance.getLabels());
        return seen;
    }
}
