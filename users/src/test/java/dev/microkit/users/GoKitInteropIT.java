package dev.microkit.users;

import static org.awaitility.Awaitility.await;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import dev.microkit.users.testing.GoPrograms;
import dev.microkit.users.testing.Notificators;

/**
 * Go services of the seed's world call the shots here: notificators written in Go (grpc-go 1.33, see
 * {@code src/test/go/src/gokitnotificator}) that register themselves as go-kit's {@code sd/etcdv3} does, with the
 * plain {@code host:port} as value. users (the packaged artifact) must find them with its etcd discovery, spread its
 * calls over them, and stop calling one whose lease is revoked.
 */
class GoKitInteropIT {

    private static final Artifact USERS = Artifact.of(Path.of("."));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path goNotificator;

    private EtcdCluster etcd;
    private AppProcess users;
    private final List<AppProcess> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void buildGoNotificator() {
        goNotificator = GoPrograms.build("gokitnotificator");
    }

    @AfterEach
    void stopEverything() {
        processes.forEach(AppProcess::close);
        if (etcd != null) {
            etcd.close();
        }
    }

    private AppProcess startGoNotificator(int port) {
        AppProcess process = AppProcess.start("gokit-notificator-" + port, GoPrograms.command(goNotificator,
                "-etcd", etcd.endpoints(), "-listen", "127.0.0.1:" + port, "-ttl", "5"), Map.of());
        processes.add(process);
        Notificators.awaitRegistered(etcd, port);
        String value = etcd.get(Notificators.key(port)).orElseThrow().getValue().toString(StandardCharsets.UTF_8);
        assertEquals("127.0.0.1:" + port, value, "registered the go-kit way: the plain address as value");
        return process;
    }

    private String create(URI usersUri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(usersUri.resolve("/create"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"go" + UUID.randomUUID() + "@example.com\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertTrue(body.path("notificationId").asText().startsWith("go-"), "sent by a Go notificator: " + body);
        return body.path("notificationId").asText();
    }

    private static long served(AppProcess goNotificator, List<String> notificationIds) {
        String log = goNotificator.log();
        return notificationIds.stream().filter(id -> log.contains("Sent email " + id + " ")).count();
    }

    @Test
    void usersWelcomesThroughGoNotificatorsRegisteredTheGoKitWay() throws Exception {
        etcd = EtcdCluster.start(1);
        AppProcess first = startGoNotificator(FreePorts.next());
        AppProcess second = startGoNotificator(FreePorts.next());
        int port = FreePorts.next();
        URI usersUri = URI.create("http://127.0.0.1:" + port);
        users = AppProcess.start("users-gokit-" + port, USERS, Map.of(
                "QUARKUS_ETCD_ENDPOINTS", etcd.endpoints(),
                "QUARKUS_HTTP_PORT", String.valueOf(port)));
        processes.add(users);
        await().atMost(Duration.ofSeconds(30)).until(() -> users.log().contains("Listening on"));

        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(create(usersUri));
        }
        long byFirst = served(first, sent);
        long bySecond = served(second, sent);
        System.out.printf("[go-kit interop] 20 /create: %d sent by Go notificator 1, %d by Go notificator 2%n",
                byFirst, bySecond);
        assertEquals(20, byFirst + bySecond, "every email logged by the Go notificator that sent it");
        assertTrue(byFirst > 0 && bySecond > 0, "calls spread over both: " + byFirst + " and " + bySecond);

        first.terminate(); // revokes its lease: its key goes at once
        first.awaitExit(Duration.ofSeconds(10));
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            after.add(create(usersUri));
        }
        assertEquals(10, served(second, after), "after the first stopped, the second sent every email");
        assertEquals("", users.warnings(), "users had nothing to warn about");
    }
}
