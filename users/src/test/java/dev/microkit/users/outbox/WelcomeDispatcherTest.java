package dev.microkit.users.outbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.UserCreation;
import dev.microkit.users.testing.Notificators;
import io.opentelemetry.context.Context;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The dispatcher with a real etcd and a real notificator process. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class WelcomeDispatcherTest {

    @Inject
    UserCreation creation;

    @Inject
    ReplicaLease lease;

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void aCreationCancelledBeforeItsAnswerStillGetsItsWelcomeEmail() {
        try (AppProcess notificator = Notificators.startRegistered(etcd)) {
            lease.id().await().atMost(Duration.ofSeconds(5)); // so that the transaction is sent before the cancel
            String email = "c" + UUID.randomUUID() + "@example.com";

            // a /create whose client went away: the transaction is on its way and commits all the same
            creation.create(email, Context.root()).subscribe().with(user -> {
            }, failure -> {
            }).cancel();

            String id = await().atMost(Duration.ofSeconds(5))
                    .until(() -> etcd.get("/users/by-email/" + email), Optional::isPresent).get().getValue()
                    .toString(UTF_8);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> etcd.get("/users/outbox/" + id).isEmpty());
            String user = etcd.get("/users/by-id/" + id).orElseThrow().getValue().toString(UTF_8);
            assertTrue(user.contains("\"sent\""), "the email is recorded as sent: " + user);
            assertTrue(notificator.log().contains(" to " + email), "notificator sent it:\n" + notificator.logTail());
        }
    }
}
