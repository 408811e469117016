package dev.microkit.notificator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.Readiness;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.tls.TestCertificates;

/**
 * The packaged notificator against an etcd that requires client TLS, a client certificate and a password (role
 * limited to {@code /services/} and {@code /users/}). Right settings: registered, deregistered at SIGTERM. Each
 * wrong setting: not a hang but readiness DOWN within seconds, with a line that names the setting to fix, in the
 * health data and the log. No run leaks the password or key material into its log or health data.
 */
class SecureEtcdIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final String WRONG_PASSWORD = "wrong-" + System.nanoTime();

    private static TestCertificates certs;
    private static EtcdCluster etcd;

    @BeforeAll
    static void startEtcd() {
        certs = TestCertificates.generate();
        etcd = EtcdCluster.startSecure(certs);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static AppProcess start(String name, int port, Consumer<Map<String, String>> change) {
        Map<String, String> properties = new HashMap<>(etcd.clientProperties());
        properties.put("quarkus.http.port", String.valueOf(port));
        properties.put("registration.advertised-host", "127.0.0.1");
        properties.put("registration.ttl", "3s");
        change.accept(properties);
        return AppProcess.start("notificator-secure-" + name, JAR, AppProcess.env(properties));
    }

    @Test
    void registersOverTlsAsTheApplicationUserAndDeregistersAtShutdown() throws Exception {
        int port = FreePorts.next();
        String key = "/services/notificator/127.0.0.1:" + port;
        String health;
        try (AppProcess notificator = start("ok", port, properties -> {
        })) {
            Readiness.awaitUp(port, notificator);
            assertTrue(etcd.get(key).isPresent(), "registered as " + EtcdCluster.APP_USER);
            health = Readiness.get(port).body();
            notificator.terminate();
            notificator.awaitExit(Duration.ofSeconds(15));
            assertTrue(etcd.get(key).isEmpty(), "deregistered (lease revoked with the same credentials)");
            assertNoSecrets(notificator.log() + health);
        }
    }

    static Stream<Arguments> wrongSettings() {
        return Stream.of(
                Arguments.of("wrong password", (Consumer<Map<String, String>>) p -> p.put("etcd.password",
                        WRONG_PASSWORD), "wrong etcd.username or etcd.password"),
                Arguments.of("no credentials", (Consumer<Map<String, String>>) p -> {
                    p.remove("etcd.username");
                    p.remove("etcd.password");
                }, "permission denied"), // etcd took the user from the client certificate's common name
                Arguments.of("unknown CA", (Consumer<Map<String, String>>) p -> p.put("etcd.tls.ca-file",
                        certs.otherCa().toString()), "not signed by a CA in etcd.tls.ca-file"),
                Arguments.of("no client certificate", (Consumer<Map<String, String>>) p -> {
                    p.remove("etcd.tls.cert-file");
                    p.remove("etcd.tls.key-file");
                }, "etcd refused this client's certificate"),
                Arguments.of("prefix outside the role", (Consumer<Map<String, String>>) p -> p.put(
                        "registration.prefix", "/elsewhere/"), "lacks read/write permission"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongSettings")
    void aWrongSettingMakesReadinessDownWithAMessageThatNamesIt(String name, Consumer<Map<String, String>> change,
            String expected) throws Exception {
        int port = FreePorts.next();
        try (AppProcess notificator = start(name.replace(' ', '-'), port, change)) {
            long started = System.nanoTime();
            String body = Readiness.await(port, notificator, b -> b.contains(expected), Duration.ofSeconds(20));
            System.out.printf("[secure etcd] %s: readiness DOWN with the reason %d ms after the first answer%n", name,
                    (System.nanoTime() - started) / 1_000_000);
            assertEquals("DOWN", Readiness.status(body), body);
            assertEquals(503, Readiness.get(port).statusCode());
            assertTrue(notificator.log().contains(expected), "the log says why:\n" + notificator.logTail());
            assertTrue(etcd.get("/services/notificator/127.0.0.1:" + port).isEmpty());
            assertNoSecrets(notificator.log() + body);
        }
    }

    @Test
    void aKeyJetcdCannotReadStopsTheStartWithHowToConvertIt() {
        int port = FreePorts.next();
        try (AppProcess notificator = start("pkcs1-key", port, p -> p.put("etcd.tls.key-file",
                certs.clientKeyTraditional().toString()))) {
            assertNotEquals(0, notificator.awaitExit(Duration.ofSeconds(30)));
            String log = notificator.log();
            assertTrue(log.contains("\"EC PRIVATE KEY\" (PKCS#1/SEC1)") && log.contains("openssl pkcs8 -topk8 -nocrypt"),
                    log);
            assertNoSecrets(log);
        }
    }

    private static void assertNoSecrets(String text) {
        List<String> secrets = new ArrayList<>(certs.keyMaterial());
        secrets.add(etcd.appPassword());
        secrets.add(WRONG_PASSWORD);
        for (String secret : secrets) {
            assertFalse(text.contains(secret), "a secret shows: " + secret.substring(0, 6) + "...");
        }
    }


}
