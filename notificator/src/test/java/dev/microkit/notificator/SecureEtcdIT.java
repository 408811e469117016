package dev.microkit.notificator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.Readiness;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.WrongEtcdSetting;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import dev.microkit.testing.tls.TestCertificates;

/**
 * The packaged notificator against an etcd that requires client TLS, a client certificate and a password (role
 * limited to {@code /services/} and {@code /users/}). Right settings: registered, deregistered at SIGTERM. Each
 * wrong setting: not a hang but readiness DOWN within seconds, with a line that names the setting to fix, in the
 * health data and the log. No run leaks the password or key material into its log or health data.
 */
class SecureEtcdIT {

    private static final Artifact NOTIFICATOR = Artifact.of(Path.of("."));

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

    /** A notificator with health on HTTP {@code port} and gRPC on {@code grpcPort}. */
    private static AppProcess start(String name, int port, int grpcPort, Consumer<Map<String, String>> change) {
        Map<String, String> properties = new HashMap<>(etcd.clientProperties());
        properties.put("quarkus.http.port", String.valueOf(port));
        properties.put("quarkus.grpc.server.port", String.valueOf(grpcPort));
        properties.put("registration.advertised-host", "127.0.0.1");
        properties.put("quarkus.etcd.registration.ttl", "3s");
        change.accept(properties);
        return AppProcess.start("notificator-secure-" + name, NOTIFICATOR, AppProcess.env(properties));
    }

    @Test
    void registersOverTlsAsTheApplicationUserAndDeregistersAtShutdown() throws Exception {
        int port = FreePorts.next();
        int grpcPort = FreePorts.next();
        String key = "/services/notificator/127.0.0.1:" + grpcPort;
        String health;
        try (AppProcess notificator = start("ok", port, grpcPort, properties -> {
        })) {
            Readiness.awaitUp(port, notificator);
            assertTrue(etcd.get(key).isPresent(), "registered as " + EtcdCluster.APP_USER);
            health = Readiness.get(port).body();
            notificator.terminate();
            notificator.awaitExit(Duration.ofSeconds(15));
            assertTrue(etcd.get(key).isEmpty(), "deregistered (lease revoked with the same credentials)");
            etcd.assertNoSecretsIn(notificator.log() + health);
        }
    }

    static Stream<WrongEtcdSetting> wrongSettings() {
        return Stream.concat(WrongEtcdSetting.against(etcd).stream(), Stream.of(
                // without a user name etcd takes the client certificate's common name, which has no role
                new WrongEtcdSetting("no credentials", p -> {
                    p.remove("quarkus.etcd.username");
                    p.remove("quarkus.etcd.password");
                }, "permission denied"),
                new WrongEtcdSetting("prefix outside the role", p -> p.put("quarkus.etcd.prefix", "/elsewhere/"),
                        "lacks read/write permission")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongSettings")
    void aWrongSettingMakesReadinessDownWithAMessageThatNamesIt(WrongEtcdSetting wrong) throws Exception {
        String name = wrong.name();
        String expected = wrong.reason();
        int port = FreePorts.next();
        int grpcPort = FreePorts.next();
        try (AppProcess notificator = start(name.replace(' ', '-'), port, grpcPort, wrong.change())) {
            long started = System.nanoTime();
            String body = Readiness.await(port, notificator, b -> b.contains(expected), Duration.ofSeconds(20));
            System.out.printf("[secure etcd] %s: readiness DOWN with the reason %d ms after the first answer%n", name,
                    (System.nanoTime() - started) / 1_000_000);
            assertEquals("DOWN", Readiness.status(body), body);
            assertEquals(503, Readiness.get(port).statusCode());
            assertTrue(notificator.log().contains(expected), "the log says why:\n" + notificator.logTail());
            EtcdCluster.assertNoJetcdRetryLinesIn(notificator.log());
            assertTrue(etcd.get("/services/notificator/127.0.0.1:" + grpcPort).isEmpty());
            etcd.assertNoSecretsIn(notificator.log() + body);
        }
    }

    @Test
    void aKeyJetcdCannotReadStopsTheStartWithHowToConvertIt() {
        int port = FreePorts.next();
        try (AppProcess notificator = start("pkcs1-key", port, FreePorts.next(), p -> p.put("quarkus.etcd.tls.key-file",
                certs.clientKeyTraditional().toString()))) {
            assertNotEquals(0, notificator.awaitExit(Duration.ofSeconds(30)));
            String log = notificator.log();
            assertTrue(log.contains("\"EC PRIVATE KEY\" (PKCS#1/SEC1)") && log.contains("openssl pkcs8 -topk8 "
                    + "-nocrypt"),
                    log);
            etcd.assertNoSecretsIn(log);
        }
    }



}
