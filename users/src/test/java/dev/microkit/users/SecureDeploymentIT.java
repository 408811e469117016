package dev.microkit.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import dev.microkit.users.testing.Notificators;

/**
 * The secure deployment end to end, with the packaged jars: etcd with client TLS, client certificates and
 * role-based access (the application user may only touch {@code /services/} and {@code /users/}); notificator
 * serving gRPC over TLS only and registering itself as secure; users dialling it with TLS. Then each wrong etcd
 * setting of users: readiness DOWN within seconds with a reason that names the setting, never a hang. No log,
 * health answer or error body carries the password or key material.
 */
class SecureDeploymentIT {

    private static final Artifact USERS = Artifact.of(Path.of("."));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static TestCertificates certs;
    private static EtcdCluster etcd;
    private static AppProcess notificator;
    private static int notificatorTlsPort;

    @BeforeAll
    static void start() {
        certs = TestCertificates.generate();
        etcd = EtcdCluster.startSecure(certs);
        notificatorTlsPort = FreePorts.next();
        Map<String, String> properties = new HashMap<>(etcd.clientProperties());
        properties.put("quarkus.http.port", "0");
        properties.put("quarkus.grpc.server.port", String.valueOf(notificatorTlsPort));
        properties.put("quarkus.grpc.server.ssl.certificate", certs.serverCert().toString());
        properties.put("quarkus.grpc.server.ssl.key", certs.serverKey().toString());
        properties.put("registration.advertised-host", "127.0.0.1");
        notificator = AppProcess.start("notificator-tls", Notificators.ARTIFACT, AppProcess.env(properties));
        Notificators.awaitRegistered(etcd, notificatorTlsPort);
    }

    @AfterAll
    static void stop() {
        if (notificator != null) {
            notificator.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static AppProcess startUsers(String name, int port, Consumer<Map<String, String>> change) {
        Map<String, String> properties = new HashMap<>(etcd.clientProperties());
        properties.put("quarkus.http.port", String.valueOf(port));
        properties.put("notificator.tls.ca-file", certs.ca().toString());
        change.accept(properties);
        return AppProcess.start("users-secure-" + name, USERS, AppProcess.env(properties));
    }

    @Test
    void createsAUserAndSendsTheWelcomeEmailOverTls() throws Exception {
        String registration = etcd.get(Notificators.key(notificatorTlsPort)).orElseThrow().getValue()
                .toString(StandardCharsets.UTF_8);
        assertTrue(registration.contains("secure=true"), "notificator registered as secure: " + registration);

        int port = FreePorts.next();
        try (AppProcess users = startUsers("ok", port, properties -> {
        })) {
            Readiness.awaitUp(port, users);
            HttpResponse<String> created = post(port, "{\"email\": \"tls@example.com\"}");
            assertEquals(201, created.statusCode(), created.body());
            assertTrue(created.body().contains("\"notificationId\""), "sent at once, over TLS: " + created.body());
            etcd.assertNoSecretsIn(users.log() + notificator.log() + created.body() + Readiness.get(port).body());
        }
    }

    @Test
    void aNotificatorCertificateNotSignedByTheConfiguredCaIsRefusedAndTheEmailStaysPending() throws Exception {
        int port = FreePorts.next();
        try (AppProcess users = startUsers("wrong-notificator-ca", port,
                properties -> properties.put("notificator.tls.ca-file", certs.otherCa().toString()))) {
            Readiness.awaitUp(port, users);
            HttpResponse<String> created = post(port, "{\"email\": \"untrusted@example.com\"}");
            assertEquals(201, created.statusCode(), created.body());
            assertTrue(created.body().contains("\"notification\":\"pending\""), created.body());
            String log = users.log();
            assertTrue(log.contains("TLS to notificator failed"), log);
            etcd.assertNoSecretsIn(log + created.body());
        }
    }

    static Stream<WrongEtcdSetting> wrongEtcdSettings() {
        return WrongEtcdSetting.against(etcd).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongEtcdSettings")
    void aWrongEtcdSettingMakesReadinessDownWithTheReason(WrongEtcdSetting wrong) throws Exception {
        String name = wrong.name();
        String expected = wrong.reason();
        int port = FreePorts.next();
        try (AppProcess users = startUsers(name.replace(' ', '-'), port, wrong.change())) {
            long started = System.nanoTime();
            String body = Readiness.await(port, users, b -> b.contains(expected), Duration.ofSeconds(20));
            System.out.printf("[secure users] %s: readiness DOWN with the reason %d ms after the first answer%n", name,
                    (System.nanoTime() - started) / 1_000_000);
            assertEquals("DOWN", Readiness.status(body), body);
            HttpResponse<String> refused = post(port, "{\"email\": \"refused@example.com\"}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().startsWith("{\"error\":"), refused.body());
            etcd.assertNoSecretsIn(users.log() + body + refused.body());
            EtcdCluster.assertNoJetcdRetryLinesIn(users.log());
        }
    }

    @Test
    void aKeyJetcdCannotReadStopsTheStartWithHowToConvertIt() {
        try (AppProcess users = startUsers("pkcs1-key", FreePorts.next(),
                properties -> properties.put("quarkus.etcd.tls.key-file", certs.clientKeyTraditional().toString()))) {
            int exit = users.awaitExit(Duration.ofSeconds(30));
            assertTrue(exit != 0, "exit code " + exit);
            assertTrue(users.log().contains("openssl pkcs8 -topk8 -nocrypt"), users.logTail());
            etcd.assertNoSecretsIn(users.log());
        }
    }


    private static HttpResponse<String> post(int port, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/create"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }


}
