package dev.microkit.stork.etcd.health;

import static java.nio.charset.StandardCharsets.UTF_8;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.microkit.stork.etcd.EtcdCall;
import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.stork.etcd.EtcdErrors;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Readiness {@code etcd}: ready while the etcd of {@code quarkus.etcd.endpoints} answers a read of the registry
 * ({@code quarkus.etcd.prefix}, counted, nothing transferred) within {@code quarkus.etcd.request-timeout}, with the
 * credentials given; else DOWN with the reason an operator can act on. Registered by the deployment module when
 * {@code quarkus-smallrye-health} is present and {@code quarkus.etcd.health.enabled} is true.
 */
@Readiness
public class EtcdReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "etcd";

    @Inject
    EtcdClients clients;

    @Override
    public Uni<HealthCheckResponse> call() {
        EtcdConfig config = clients.config();
        return EtcdCall.within(config.requestTimeout(), () -> clients.main().getKVClient().get(
                ByteSequence.from(config.prefix(), UTF_8), GetOption.builder().isPrefix(true).withCountOnly(true)
                        .build()))
                .map(answer -> HealthCheckResponse.named(NAME).up()
                        .withData("revision", answer.getHeader().getRevision()).build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down()
                        .withData("error", EtcdErrors.describe(failure, clients.lastFailure())).build());
    }
}
