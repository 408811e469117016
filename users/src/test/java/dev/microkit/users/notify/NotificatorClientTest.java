package dev.microkit.users.notify;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.DeleteOption;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceInstance;

/** The client against instances listed in a real etcd. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class NotificatorClientTest {

    private static final String PREFIX = "/services/notificator/";

    @Inject
    NotificatorClient client;

    @Inject
    MeterRegistry meters;

    @InjectEtcd
    EtcdCluster etcd;

    private void clearRegistry() throws Exception {
        etcd.client().getKVClient().delete(ByteSequence.from(PREFIX, UTF_8), DeleteOption.builder().isPrefix(true)
                .build()).get(5, TimeUnit.SECONDS);
    }

    private String send() {
        return send(UUID.randomUUID().toString());
    }

    private String send(String idempotencyKey) {
        return send("ann@example.com", idempotencyKey);
    }

    private String send(String email, String idempotencyKey) {
        return client.sendEmail(email, "Hi!", idempotencyKey).await().atMost(Duration.ofSeconds(10));
    }

    private static List<ServiceInstance> listed() {
        return Stork.getInstance().getService("notificator").getInstances().await().atMost(Duration.ofSeconds(5));
    }

    private double retries() {
        return meters.counter("notificator.client.retries").count();
    }

    @Test
    void aCallThatFailedOnEveryListedInstanceIsNotRetried() throws Exception {
        clearRegistry();
        String dead = "127.0.0.1:" + FreePorts.next(); // nobody listens: UNAVAILABLE at once
        etcd.client().getKVClient().put(ByteSequence.from(PREFIX + dead, UTF_8),
                ByteSequence.from("{\"Op\":0,\"Addr\":\"" + dead + "\"}", UTF_8)).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == 1);
        double before = retries();

        NotificatorUnavailableException failure = assertThrows(NotificatorUnavailableException.class,
                this::send);

        assertTrue(failure.getMessage().startsWith(
                "no notificator instance could be reached: every listed instance failed"), failure.getMessage());
        assertEquals(before, retries(), "the only instance failed: nothing new to try, so no retry");
        etcd.client().getKVClient().delete(ByteSequence.from(PREFIX + dead, UTF_8)).get(5, TimeUnit.SECONDS);
    }

    /**
     * A restart at the same address, with no other instance to fail over to: the first call after it is sent. Meanwhile
     * grpc-java has failed to reconnect and keeps its channel in TRANSIENT_FAILURE, retrying on its own after a pause
     * that grows (1 s, 1.6, 2.6, 4.1, ...); a call made then fails at once with the old error, also right after
     * {@code resetConnectBackoff()} starts a new attempt (gRFC A62: the channel stays in TRANSIENT_FAILURE until it is
     * READY). CI saw that call fail in {@link EjectionCapTest}.
     */
    @Test
    void anInstanceBackAtItsAddressAnswersTheFirstCallAfterIt() throws Exception {
        clearRegistry();
        int port = FreePorts.next();
        Duration ttl = Duration.ofSeconds(30); // listed all along: the same instance to users
        try (AppProcess first = Notificators.start(etcd, port, ttl)) {
            Notificators.awaitRegistered(etcd, port);
            await().atMost(Duration.ofSeconds(5)).until(() -> Stork.getInstance().getService("notificator")
                    .getInstances().await().atMost(Duration.ofSeconds(5)).size() == 1);
            send();
            first.kill();
            assertThrows(NotificatorUnavailableException.class, this::send);
            Thread.sleep(8_000); // no call: grpc-java's own pause grows past the restart below
        }
        try (AppProcess again = Notificators.start(etcd, port, ttl)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> again.log().contains("Registered "));
            String email = "back-" + UUID.randomUUID() + "@example.com";
            try {
                send(email, UUID.randomUUID().toString());
            } catch (NotificatorUnavailableException e) {
                fail("the first call after the restart failed: " + e.getMessage());
            }
            assertEquals(1, Notificators.sentCount(again, email));
        }
        clearRegistry();
    }

    /**
     * A key sent again while the instance that took it is alive but not listed (its lease expired while etcd was
     * partitioned, it registers again once etcd answers) goes to that instance, which remembers it, not to the key's
     * owner among the listed ones, which would send the email a second time (seen in ChaosIT's partition, 2 runs in 5);
     * once that instance is gone for good, the key goes to its owner in the same call.
     */
    @Test
    void aKeySentAgainGoesToItsInstanceWhileThatIsAliveButNotListed() throws Exception {
        clearRegistry();
        int unlistedPort = FreePorts.next();
        // registers its key elsewhere, so that the one listed here is the test's to delete (it would put back its own)
        try (AppProcess unlisted = Notificators.start("notificator", etcd, unlistedPort,
                Map.of("QUARKUS_ETCD_PREFIX", "/elsewhere/"));
                AppProcess other = Notificators.startRegistered(etcd)) {
            ByteSequence elsewhere = ByteSequence.from("/elsewhere/notificator/127.0.0.1:" + unlistedPort, UTF_8);
            await().atMost(Duration.ofSeconds(30)).until(() -> etcd.client().getKVClient().get(elsewhere)
                    .get(5, TimeUnit.SECONDS).getCount() == 1);
            ByteSequence listedKey = ByteSequence.from(Notificators.key(unlistedPort), UTF_8);
            etcd.client().getKVClient().put(listedKey, etcd.client().getKVClient().get(elsewhere)
                    .get(5, TimeUnit.SECONDS).getKvs().get(0).getValue()).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> listed().size() == 2);
            String key = Stream.generate(() -> UUID.randomUUID().toString())
                    .filter(candidate -> KeyAffinity.owner(candidate, listed()).getPort() == unlistedPort)
                    .findFirst().orElseThrow();
            String email = "unlisted-" + key + "@example.com";
            send(email, key);
            assertEquals(1, Notificators.sentCount(unlisted, email));

            etcd.client().getKVClient().delete(listedKey).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> listed().size() == 1);
            send(email, key);

            assertEquals(0, Notificators.sentCount(other, email), "sent again by the listed one:\n" + other.log());
            assertEquals(1, Notificators.linesAbout(unlisted, email, "was sent already"), unlisted.log());

            unlisted.kill();
            send(email, key);
            assertEquals(1, Notificators.sentCount(other, email), "its instance is gone: the owner sends it");
        }
        clearRegistry();
    }
}
