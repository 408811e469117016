package dev.microkit.notificator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import io.etcd.jetcd.KeyValue;

/**
 * The packaged notificator ({@code target/quarkus-app/quarkus-run.jar}) as a child process against a real etcd:
 * registered soon after start, gone at once on SIGTERM (while it still serves), gone after the TTL on SIGKILL.
 * Prints the timings it measured; a shared machine is too noisy to assert tight bounds on them.
 */
class NotificatorProcessIT {

    private static final Artifact NOTIFICATOR = Artifact.of(Path.of("."));
    private static final Duration TTL = Duration.ofSeconds(3);

    private static EtcdCluster etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1);
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    private static AppProcess startNotificator(int port, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(Map.of(
                "ETCD_ENDPOINTS", etcd.endpoints(),
                "QUARKUS_GRPC_SERVER_PORT", String.valueOf(port),
                "QUARKUS_HTTP_PORT", "0",
                "REGISTRATION_ADVERTISED_HOST", "127.0.0.1",
                "REGISTRATION_TTL", TTL.toSeconds() + "s"));
        env.putAll(extraEnv);
        return AppProcess.start("notificator-" + port, NOTIFICATOR, env);
    }

    /** Polls etcd every 10 ms until {@code condition} holds; returns the last read. */
    private static Optional<KeyValue> pollKey(String key, Predicate<Optional<KeyValue>> condition, Duration max)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Optional<KeyValue> kv = etcd.get(key);
        while (!condition.test(kv) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            kv = etcd.get(key);
        }
        return kv;
    }

    @Test
    void registersAfterStartAndDeregistersOnSigtermBeforeItStopsServing() throws InterruptedException {
        int port = FreePorts.next();
        String key = "/services/notificator/127.0.0.1:" + port;
        try (AppProcess notificator = startNotificator(port, Map.of())) {
            Optional<KeyValue> kv = pollKey(key, Optional::isPresent, Duration.ofSeconds(30));
            Duration registeredAfter = notificator.uptime();
            assertTrue(kv.isPresent(), "not registered:\n" + notificator.logTail());
            String value = kv.get().getValue().toString(UTF_8);
            assertTrue(value.matches("\\{\"Op\":0,\"Addr\":\"127\\.0\\.0\\.1:" + port
                    + "\",\"Metadata\":\"id=[0-9a-f-]{36}&version=[^\"]+\"\\}"), value);

            long sigterm = System.nanoTime();
            notificator.terminate();
            kv = pollKey(key, Optional::isEmpty, Duration.ofSeconds(10));
            Duration goneAfter = Duration.ofNanos(System.nanoTime() - sigterm);
            assertTrue(kv.isEmpty(), "key still present after SIGTERM:\n" + notificator.logTail());

            // A client that saw the key vanish must still be served: the notificator deregisters first.
            assertTrue(notificator.isAlive(), "exited before deregistering was observed");
            try (NotificatorChannel channel = NotificatorChannel.to(port)) {
                UUID.fromString(channel.sendEmail("late@example.com", "Hi!").getId());
            }
            int exit = notificator.awaitExit(Duration.ofSeconds(30));
            assertEquals(143, exit, "a JVM stopped by SIGTERM exits with 128 + 15:\n" + notificator.logTail());
            assertTrue(notificator.log().contains("notificator stopped"), notificator.logTail());
            Duration exitedAfter = Duration.ofNanos(System.nanoTime() - sigterm);

            System.out.printf("[timing] registered %d ms after start; SIGTERM: key gone after %d ms, "
                    + "process exited after %d ms%n", registeredAfter.toMillis(), goneAfter.toMillis(),
                    exitedAfter.toMillis());
        }
    }

    @Test
    void keyOfAKilledInstanceLivesOnlyUntilTheTtl() throws InterruptedException {
        int port = FreePorts.next();
        String key = "/services/notificator/127.0.0.1:" + port;
        try (AppProcess notificator = startNotificator(port, Map.of())) {
            Optional<KeyValue> kv = pollKey(key, Optional::isPresent, Duration.ofSeconds(30));
            assertTrue(kv.isPresent(), "not registered:\n" + notificator.logTail());

            long sigkill = System.nanoTime();
            notificator.kill();
            assertTrue(etcd.get(key).isPresent(), "a crash cannot deregister: the lease must outlive the process");
            kv = pollKey(key, Optional::isEmpty, TTL.plusSeconds(5));
            Duration goneAfter = Duration.ofNanos(System.nanoTime() - sigkill);
            assertTrue(kv.isEmpty(), "key outlived its " + TTL + " lease");
            assertTrue(goneAfter.compareTo(TTL.dividedBy(2)) > 0, "gone after " + goneAfter + ", before the TTL");

            System.out.printf("[timing] SIGKILL: key gone after %d ms (TTL %d s)%n", goneAfter.toMillis(),
                    TTL.toSeconds());
        }
    }

    @Test
    void refusesATtlUnderTwoSeconds() {
        try (AppProcess notificator = startNotificator(FreePorts.next(), Map.of("REGISTRATION_TTL", "1s"))) {
            int exit = notificator.awaitExit(Duration.ofSeconds(30));

            assertNotEquals(0, exit);
            assertTrue(notificator.log().contains("registration.ttl must be at least 2s"), notificator.logTail());
        }
    }
}
