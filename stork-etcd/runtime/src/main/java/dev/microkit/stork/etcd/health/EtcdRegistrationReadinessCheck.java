package dev.microkit.stork.etcd.health;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.microkit.stork.etcd.registration.EtcdServiceRegistrar;
import dev.microkit.stork.etcd.registration.InstanceRegistration;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrarProvider;

/**
 * Readiness {@code etcd-registration}: ready while every instance registered through a Stork registrar of type
 * {@code etcd} is listed in etcd, i.e. while clients can find it. An instance not registered yet (before the
 * application asked for it, or while etcd cannot be reached) is DOWN, with why. Data, per Stork service: each
 * instance's key and lease, or why it is not listed. An application without a registrar of type {@code etcd} is UP,
 * and says so.
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
            List<InstanceRegistration> instances = registrar.getValue().instances();
            if (instances.isEmpty() || instances.stream().anyMatch(instance -> instance.holding().isEmpty())) {
                response.down();
            }
            response.withData(registrar.getKey(), instances.isEmpty() ? "not registered yet"
                    : instances.stream().map(InstanceRegistration::describe).collect(Collectors.joining("; ")));
        }
        return response.build();
    }
}
