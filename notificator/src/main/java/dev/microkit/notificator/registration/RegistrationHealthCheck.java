package dev.microkit.notificator.registration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.microkit.stork.etcd.registration.EtcdServiceRegistrar;

/** Ready only while this instance is listed in etcd, i.e. while clients can find it. */
@Readiness
@ApplicationScoped
public class RegistrationHealthCheck implements HealthCheck {

    private final SelfRegistration registration;

    @Inject
    RegistrationHealthCheck(SelfRegistration registration) {
        this.registration = registration;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("etcd-registration");
        EtcdServiceRegistrar registrar = registration.registrar();
        return registrar.holding()
                .map(held -> response.up().withData("key", held.key())
                        .withData("lease", Long.toHexString(held.leaseId())))
                .orElseGet(() -> {
                    registrar.lastFailure().ifPresent(why -> response.withData("error", why));
                    return response.down();
                })
                .build();
    }
}
