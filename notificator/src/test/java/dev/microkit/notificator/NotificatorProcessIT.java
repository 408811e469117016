package dev.microkit.notificator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;

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
        return startNotificator(port, "QUARKUS_ETCD_ENDPOINTS", extraEnv);
    }

    private static AppProcess startNotificator(int port, String endpointsVariable, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(Map.of(
                endpointsVariable, etcd.endpoints(),
                "QUARKUS_GRPC_SERVER_PORT", String.valueOf(port),
                "QUARKUS_HTTP_PORT", "0",
                "REGISTRATION_ADVERTISED_HOST", "127.0.0.1",
                "QUARKUS_ETCD_REGISTRATION_TTL", TTL.toSeconds() + "s"));
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

    /** What clients select by: zone, version and weight, from environment variables, as labels Go clients read too. */
    @Test
    void publishesItsZoneVersionAndWeightAsLabels() throws InterruptedException {
        int port = FreePorts.next();
        String key = "/services/notificator/127.0.0.1:" + port;
        try (AppProcess notificator = startNotificator(port, Map.of("REGISTRATION_INSTANCE_ID", "n-eu",
                "REGISTRATION_ZONE", "eu-1a", "REGISTRATION_VERSION", "2.1", "REGISTRATION_WEIGHT", "9"))) {
            Optional<KeyValue> kv = pollKey(key, Optional::isPresent, Duration.ofSeconds(30));
            assertTrue(kv.isPresent(), "not registered:\n" + notificator.logTail());

            assertEquals("{\"Op\":0,\"Addr\":\"127.0.0.1:" + port
                    + "\",\"Metadata\":\"id=n-eu&version=2.1&zone=eu-1a&weight=9\"}",
                    kv.get().getValue().toString(UTF_8));
        }
    }

    @Test
    void refusesAWeightUnderOneAndAZoneNoSelectorCouldName() {
        for (Map<String, String> wrong : List.of(Map.of("REGISTRATION_WEIGHT", "0"),
                Map.of("REGISTRATION_ZONE", "eu 1a"))) {
            try (AppProcess notificator = startNotificator(FreePorts.next(), wrong)) {
                int exit = notificator.awaitExit(Duration.ofSeconds(30));

                assertNotEquals(0, exit, wrong + " started:\n" + notificator.logTail());
                String setting = wrong.containsKey("REGISTRATION_WEIGHT") ? "registration.weight" : "registration.zone";
                assertTrue(notificator.log().contains(setting), notificator.logTail());
            }
        }
    }

    /**
     * A Stork attribute set by its environment variable alone, with no line in any configuration file (Quarkus fills
     * Stork's attribute map only from names its sources list; the extension asks for the full name).
     */
    @Test
    void readsAStorkAttributeFromItsEnvironmentVariableAlone() throws Exception {
        int port = FreePorts.next();
        String key = "/services/notificator/127.0.0.1:" + port;
        try (AppProcess notificator = startNotificator(port, Map.of(
                "QUARKUS_STORK_NOTIFICATOR_SERVICE_REGISTRAR_TTL", "3s"))) {
            Optional<KeyValue> kv = pollKey(key, Optional::isPresent, Duration.ofSeconds(30));
            assertTrue(kv.isPresent(), "not registered:\n" + notificator.logTail());

            long granted = etcd.client().getLeaseClient().timeToLive(kv.get().getLease(), LeaseOption.DEFAULT)
                    .get(5, TimeUnit.SECONDS).getGrantedTTL();
            assertEquals(3, granted, notificator.logTail());
        }
    }

    @Test
    void refusesATtlUnderTwoSeconds() {
        try (AppProcess notificator = startNotificator(FreePorts.next(),
                Map.of("QUARKUS_ETCD_REGISTRATION_TTL", "1s"))) {
            int exit = notificator.awaitExit(Duration.ofSeconds(30));

            assertNotEquals(0, exit);
            assertTrue(notificator.log().contains("quarkus.etcd.registration.ttl must be whole seconds and at least "
                    + "2s"), notificator.logTail());
        }
    }

    /**
     * A registration setting of the earlier release, which this one does not read, stops the start with the setting
     * that replaces it, rather than registering with a TTL its operator did not choose; the extension's earlier
     * {@code ETCD_*} names still work (with a warning).
     */
    @Test
    void refusesTheEarlierRegistrationNamesAndNamesTheirReplacements() {
        try (AppProcess notificator = startNotificator(FreePorts.next(),
                Map.of("REGISTRATION_TTL", "5s", "REGISTRATION_PREFIX", "/x/"))) {
            int exit = notificator.awaitExit(Duration.ofSeconds(30));

            assertNotEquals(0, exit);
            assertTrue(notificator.log().contains("Settings of an earlier release are set: registration.prefix "
                    + "(REGISTRATION_PREFIX) is now quarkus.etcd.prefix (QUARKUS_ETCD_PREFIX); registration.ttl "
                    + "(REGISTRATION_TTL) is now quarkus.etcd.registration.ttl (QUARKUS_ETCD_REGISTRATION_TTL)"),
                    notificator.logTail());
        }
    }

    /** The packaged service (JVM or native) still reads the earlier ETCD_ENDPOINTS, and says once to rename it. */
    @Test
    void readsTheEarlierEtcdEndpointsVariableWithOneWarning() throws InterruptedException {
        int port = FreePorts.next();
        try (AppProcess notificator = startNotificator(port, "ETCD_ENDPOINTS", Map.of())) {
            Optional<KeyValue> kv = pollKey("/services/notificator/127.0.0.1:" + port, Optional::isPresent,
                    Duration.ofSeconds(30));
            assertTrue(kv.isPresent(), "not registered through ETCD_ENDPOINTS:\n" + notificator.logTail());
            String warning = "Environment variable ETCD_ENDPOINTS is deprecated and will be removed in the next "
                    + "release: use QUARKUS_ETCD_ENDPOINTS (quarkus.etcd.endpoints) instead";
            assertEquals(1, notificator.log().split(Pattern.quote(warning), -1).length - 1, notificator.logTail());
        }
    }

    /**
     * As packaged (the native executable too): each call's log line carries its caller's trace id, also for calls of
     * dropped traces (the default sampler's, served by {@link CallTracing} without Quarkus' instrumentation) made
     * side by side, and a call without a trace gets a trace id of its own.
     */
    @Test
    void logsEachCallUnderItsCallersTrace() throws Exception {
        int port = FreePorts.next();
        try (AppProcess notificator = startNotificator(port, Map.of());
                NotificatorChannel channel = NotificatorChannel.to(port)) {
            assertTrue(pollKey("/services/notificator/127.0.0.1:" + port, Optional::isPresent, Duration.ofSeconds(30))
                    .isPresent(), "not registered:\n" + notificator.logTail());
            Map<String, String> traceOf = new ConcurrentHashMap<>(); // email -> the trace it was sent in
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Thread caller = new Thread(() -> {
                    for (int i = 0; i < 10; i++) {
                        String traceId = CallTracingTest.randomHex(32);
                        String email = "p" + UUID.randomUUID() + "@example.com";
                        channel.sendEmailIn("00-" + traceId + "-" + CallTracingTest.randomHex(16) + "-00", email,
                                "Hi!");
                        traceOf.put(email, traceId);
                    }
                });
                caller.start();
                callers.add(caller);
            }
            for (Thread caller : callers) {
                caller.join(30_000);
            }
            channel.sendEmail("untraced@example.com", "Hi!");
            assertEquals(40, traceOf.size());

            Pattern sent = Pattern.compile("traceId=(\\S*) .*Sent email \\S+ to (\\S+)$");
            Map<String, String> logged = new HashMap<>();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                notificator.log().lines().map(sent::matcher).filter(Matcher::find)
                        .forEach(line -> logged.put(line.group(2), line.group(1)));
                return logged.size() == traceOf.size() + 1;
            });
            List<String> wrong = traceOf.keySet().stream().filter(email -> !traceOf.get(email).equals(
                    logged.get(email))).toList();
            assertEquals(List.of(), wrong, "logged under another trace than their caller's:\n" + notificator.logTail());
            String own = logged.get("untraced@example.com");
            assertTrue(own.matches("[0-9a-f]{32}") && !traceOf.containsValue(own), "a trace of its own: " + own);
        }
    }
}
