package dev.microkit.stork.etcd.health;

import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.microkit.stork.etcd.registration.EtcdServiceRegistrar;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrarProvider;

/**
 * Readiness {@code etcd-registration}: ready while every instance registered through a Stork registrar of type
 * {@code etcd} is listed in etcd, i.e. while clients can find it. An instance not registered yet (before the
 * application asked for it, or while etcd cannot be reached) is DOWN, with why. Data, per Stork service: its key and
 * lease, or why it is not listed. An application without a registrar of type {@code etcd} is UP, and says so.
 */
@Readiness
public class EtcdRegistrationReadinessCheck implements HealthCheck {

    static final String NAME = "etcd-registration";

    @Inject
    EtcdServiceRegistrarProvider registrars;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).up();
        Map<String, EtcdServiceRegistrar> all = registrars.registrars();
        if (all.isEmpty()) {
            return response.withData("registrars", "none: this application registers nothing").build();
        }
        for (Map.Entry<String, EtcdServiceRegistrar> registrar : all.entrySet()) {
            String service = registrar.getKey();
            registrar.getValue().holding().ifPresentOrElse(
                    held -> response.withData(service, held.key() + " (lease " + Long.toHexString(held.leaseId())
                            + ")"),
                    () -> response.down().withData(service, "not registered" + registrar.getValue().lastFailure()
                            .map(why -> ": " + why).orElse("")));
        }
        return response.build();
    }
}
