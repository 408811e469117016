package dev.microkit.notificator.registration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while this instance is listed in etcd, i.e. while clients can find it. */
@Readiness
@ApplicationScoped
public class RegistrationHealthCheck implements HealthCheck {

    private final Registrar registrar;

    @Inject
    RegistrationHealthCheck(Registrar registrar) {
        this.registrar = registrar;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("etcd-registration");
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
