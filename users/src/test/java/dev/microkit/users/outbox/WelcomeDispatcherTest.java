package dev.microkit.users.outbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.microkit.users.store.UserStore;
import dev.microkit.users.testing.Notificators;
import dev.microkit.users.testing.Outbox;
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
    UserStore store;

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void aCreationCancelledBeforeItsAnswerStillGetsItsWelcomeEmail() {
        try (AppProcess notificator = Notificators.startRegistered(etcd)) {
            String email = "c" + UUID.randomUUID() + "@example.com";

            // a /create whose client went away: the transaction is on its way and commits all the same
            creation.create(email, null, Context.root()).subscribe().with(user -> {
            }, failure -> {
            }).cancel();

            String id = await().atMost(Duration.ofSeconds(5))
                    .until(() -> etcd.get("/users/by-email/" + email), Optional::isPresent).get().getValue()
                    .toString(UTF_8);
            // sent by the dispatcher once due: after outbox.claim-ttl (10 s), the time its creator had to send it
            await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Outbox.entryOf(etcd, id).isEmpty());
            String user = etcd.get("/users/by-id/" + id).orElseThrow().getValue().toString(UTF_8);
            assertTrue(user.contains("\"sent\""), "the email is recorded as sent: " + user);
            assertTrue(notificator.log().contains(" to " + email), "notificator sent it:\n" + notificator.logTail());
        }
    }

    @Test
    void aNewUsersEmailIsLeftToItsCreatorForTheHoldAndSentByADispatcherAfter() throws Exception {
        try (AppProcess notificator = Notificators.startRegistered(etcd)) {
            String id = UUID.randomUUID().toString();
            String email = "h" + id + "@example.com";

            // as another replica's /create that crashed before sending: stored, held for 5 s, never sent by it
            store.create(id, email, Duration.ofSeconds(5), null).await().atMost(Duration.ofSeconds(5));

            Thread.sleep(3000); // three dispatcher polls (outbox.poll-interval 1 s) while it is held
            assertTrue(Outbox.entryOf(etcd, id).isPresent(), "still pending");
            assertFalse(notificator.log().contains(" to " + email), "not sent while held:\n" + notificator.logTail());

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Outbox.entryOf(etcd, id).isEmpty());
            String user = etcd.get("/users/by-id/" + id).orElseThrow().getValue().toString(UTF_8);
            assertTrue(user.contains("\"sent\""), "the email is recorded as sent: " + user);
            assertTrue(notificator.log().contains(" to " + email), "sent once due:\n" + notificator.logTail());
        }
    }
}
