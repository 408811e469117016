package dev.microkit.users.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.microkit.users.store.StoreUnavailableException;
import dev.microkit.users.store.UserStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/** Ready only while etcd, where users are stored, answers. */
@Readiness
@ApplicationScoped
public class EtcdHealthCheck implements AsyncHealthCheck {

    private final UserStore store;

    @Inject
    EtcdHealthCheck(UserStore store) {
        this.store = store;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return store.ping()
                .map(revision -> HealthCheckResponse.named("etcd").up().withData("revision", revision).build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("etcd").down()
                        .withData("error", failure instanceof StoreUnavailableException unavailable
                                ? unavailable.detail()
                                : failure.getMessage())
                        .build());
    }
}
