package dev.microkit.notificator.registration;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.EtcdEndpointValue;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrar;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrarProvider;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.value.registry.ValueRegistry;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceRegistrar.RegistrarOptions;

/**
 * This instance in etcd as {@code notificator}, through Stork's etcd registrar (the stork-etcd extension; its settings
 * are {@code quarkus.etcd.*}): registered once the gRPC server listens, in the background (the service serves even
 * while etcd is down), and deregistered first at shutdown, while the server still serves for the shutdown delay, so
 * that a client that sees the key vanish never meets a closed port. Quarkus calls only Stork's built-in registrars
 * by itself, hence this bean.
 */
@ApplicationScoped
public class SelfRegistration {

    private static final Logger LOG = Logger.getLogger(SelfRegistration.class);
    /** The Stork service whose registrar is configured in application.properties, and the name in etcd. */
    static final String SERVICE = "notificator";

    private final RegistrationConfig config;
    private final ValueRegistry runtimeValues;
    private final EtcdServiceRegistrarProvider registrars;
    private final String version;
    /** The gRPC server has a certificate (quarkus.grpc.server.ssl.*): it serves TLS only. */
    private final boolean secure;

    @Inject
    SelfRegistration(RegistrationConfig config, ValueRegistry runtimeValues, EtcdServiceRegistrarProvider registrars,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate") Optional<String> certificate,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store") Optional<String> keyStore,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.config = config;
        this.runtimeValues = runtimeValues;
        this.registrars = registrars;
        this.version = version;
        this.secure = certificate.isPresent() || keyStore.isPresent();
    }

    /**
     * The gRPC server listens before {@code StartupEvent} (Quarkus starts it in a recorder and waits for the bound
     * port, also with port 0), so this instance can be announced now.
     */
    void onStart(@Observes StartupEvent event) {
        EarlierRegistrationNames.refuse(ConfigProvider.getConfig());
        String host = config.advertisedHost().or(AdvertisedAddress::firstNonLoopbackIpv4)
                .orElse(AdvertisedAddress.LOOPBACK);
        int port = config.advertisedPort().orElseGet(() -> runtimeValues.get(GrpcServer.GRPC_PORT));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("id", config.instanceId().orElseGet(() -> UUID.randomUUID().toString()));
        labels.put("version", config.version().orElse(version));
        config.zone().ifPresent(zone -> labels.put("zone", zone));
        config.weight().ifPresent(weight -> labels.put("weight", String.valueOf(weight)));
        if (secure) {
            labels.put(EtcdEndpointValue.SECURE, "true");
        }
        Stork.getInstance().getService(SERVICE).getServiceRegistrar()
                .registerServiceInstance(new RegistrarOptions(SERVICE, host, port, List.of(), labels))
                .subscribe().with(registered -> LOG.debugf("First registration of %s:%d done", host, port),
                        failure -> LOG.debugf("Registration ended: %s", failure));
    }

    /** With {@code quarkus.shutdown.delay} set, this comes first: deregister, then serve for the delay. */
    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        deregister();
    }

    /** Without a shutdown delay, deregister before the server stops all the same. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        deregister();
    }

    private void deregister() {
        // the registrar bounds this by its deregister-timeout; the margin only guards against a registrar bug
        Stork.getInstance().getService(SERVICE).getServiceRegistrar()
                .deregisterServiceInstance(SERVICE)
                .await().atMost(registrar().deregisterTimeout().plus(Duration.ofSeconds(1)));
    }

    private EtcdServiceRegistrar registrar() {
        return registrars.registrar(SERVICE).orElseThrow(() -> new IllegalStateException(
                "no etcd registrar for " + SERVICE + ": quarkus.stork." + SERVICE
                        + ".service-registrar.type must be etcd"));
    }
}
