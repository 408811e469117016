package dev.microkit.users;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import dev.microkit.users.testing.Notificators;
import dev.microkit.users.testing.Outbox;

/**
 * Sent welcome emails are recorded in etcd after the 201, in batches (outbox.record-delay): a graceful stop records
 * what is still waiting, so nothing is sent twice; the packaged artifact, as it runs in production.
 */
class SentRecordingIT {

    private static final Artifact USERS = Artifact.of(Path.of("."));
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aGracefulStopRecordsTheSentEmailsStillWaitingForTheirBatch() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1); AppProcess notificator = Notificators.startRegistered(etcd)) {
            int port = FreePorts.next();
            URI usersUri = URI.create("http://127.0.0.1:" + port);
            List<String> ids = new ArrayList<>();
            List<String> notificationIds = new ArrayList<>();
            try (AppProcess users = AppProcess.start("users-recording-" + port, USERS, Map.of(
                    "QUARKUS_ETCD_ENDPOINTS", etcd.endpoints(),
                    "QUARKUS_HTTP_PORT", String.valueOf(port),
                    "OUTBOX_RECORD_DELAY", "1h", // no batch closes on its own: only the stop records them
                    "OUTBOX_CLAIM_TTL", "2h"))) { // longer than the creator's path, the hour included
                await().atMost(Duration.ofSeconds(30)).until(() -> users.log().contains("Listening on"));
                HttpClient http = HttpClient.newHttpClient();
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(usersUri.resolve("/create"))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"email\": \"rec" + UUID.randomUUID() + "@example.com\"}"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(201, response.statusCode(), response.body());
                    JsonNode body = JSON.readTree(response.body());
                    ids.add(body.path("id").asText());
                    notificationIds.add(body.path("notificationId").asText());
                }
                Thread.sleep(1500); // longer than a dispatcher poll: it must leave emails being recorded alone
                for (String id : ids) {
                    assertEquals("pending", state(etcd, id), "not recorded before its batch closes");
                    assertTrue(Outbox.entryOf(etcd, id).isPresent(), "still in the outbox");
                }

                users.terminate();
                users.awaitExit(Duration.ofSeconds(15)); // 143 on the JVM (SIGTERM), 0 native
                assertTrue(users.log().contains("users stopped in"), "a graceful stop:\n" + users.logTail());
                assertEquals("", users.warnings(), "users had nothing to warn about");
            }

            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                assertEquals("sent", state(etcd, id), "recorded at the stop: " + id);
                assertTrue(Outbox.entryOf(etcd, id).isEmpty(), "its outbox entry is gone");
                assertTrue(etcd.get("/users/outbox-claims/" + id).isEmpty(), "its claim is gone");
                String line = "Sent email " + notificationIds.get(i) + " ";
                assertEquals(1, notificator.log().lines().filter(l -> l.contains(line)).count(),
                        "sent once: " + notificationIds.get(i));
            }
        }
    }

    @Test
    void aBatchLargerThanEtcdTakesStopsTheStart() {
        assertStartRefused(Map.of("OUTBOX_RECORD_BATCH", "43"), "outbox.record-batch must be at most 42");
    }

    @Test
    void aClaimTtlNoLongerThanTheCreatorsPathStopsTheStart() {
        // 2 s (create) + 2 s (send) + 10 ms (record delay) + 2 s (record): the default 10 s is longer, 6 s is not
        assertStartRefused(Map.of("OUTBOX_CLAIM_TTL", "6s", "NOTIFICATOR_DEADLINE", "2s"),
                "outbox.claim-ttl (6000 ms) must be longer than the path of a welcome email sent at once, 6010 ms");
    }

    /** users started with {@code settings} (and an etcd nobody listens on) exits non-zero and logs {@code why}. */
    private static void assertStartRefused(Map<String, String> settings, String why) {
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>(settings);
        env.put("QUARKUS_ETCD_ENDPOINTS", "http://127.0.0.1:" + FreePorts.next());
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        try (AppProcess users = AppProcess.start("users-refused-" + port, USERS, env)) {
            int exit = users.awaitExit(Duration.ofSeconds(30));
            assertTrue(exit != 0, "exit code " + exit);
            assertTrue(users.log().contains(why), users.logTail());
        }
    }

    private static String state(EtcdCluster etcd, String id) throws Exception {
        return JSON.readTree(etcd.get("/users/by-id/" + id).orElseThrow().getValue().toString(StandardCharsets.UTF_8))
                .path("notification").path("state").asText();
    }
}
