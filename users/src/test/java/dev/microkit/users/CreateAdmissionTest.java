package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code create.max-in-progress} bounds a create's whole path, wherever it waits: for etcd, or for the welcome email
 * it sends at once. Past it, creates are answered 503 with {@code Retry-After} at once and nothing is stored.
 */
@QuarkusTest
@TestProfile(CreateAdmissionTest.SmallBound.class)
@WithTestResource(EtcdTestResource.class)
class CreateAdmissionTest {

    static final int MAX = 20;
    static final int OVER = 10;

    /** A small bound, and a send that waits long for a notificator that does not answer. */
    public static class SmallBound implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("create.max-in-progress", String.valueOf(MAX), "notificator.deadline", "4s",
                    "outbox.claim-ttl", "15s");
        }
    }

    @TestHTTPResource("/create")
    URI create;

    @InjectEtcd
    EtcdCluster etcd;

    private final HttpClient http = HttpClient.newHttpClient();

    /** Creates waiting for a notificator that takes calls without answering (SIGSTOP) count; the next are refused. */
    @Test
    void createsWaitingForTheWelcomeEmailCountTowardTheBound() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (AppProcess notificator = Notificators.startRegistered(etcd)) {
            // sent at once: users' channel to it is open, so that paused it takes calls and does not answer them
            await().atMost(Duration.ofSeconds(10)).until(() -> given().body("{\"email\": \"warm-" + run + "-"
                    + UUID.randomUUID() + "@example.com\"}").post("/create").path("notificationId") != null);
            notificator.pause(); // its connection stays open: each send waits for notificator.deadline
            try {
                List<CompletableFuture<HttpResponse<String>>> waiting = post("in-" + run, MAX);
                awaitInProgress(MAX);
                assertRefusedAtOnce("over-" + run);
                assertNoneStored("over-" + run);
                notificator.resume();
                for (CompletableFuture<HttpResponse<String>> answer : waiting) {
                    assertEquals(201, answer.join().statusCode(), answer.join().body());
                }
            } finally {
                notificator.resume();
            }
        }
        awaitInProgress(0);
        given().body("{\"email\": \"after-" + run + "@example.com\"}").post("/create").then().statusCode(201);
    }

    /** Creates waiting for a stalled etcd count too; they end by their deadline, and etcd back, creates go on. */
    @Test
    void createsWaitingForEtcdCountTowardTheBound() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        given().body("{\"email\": \"warm-" + run + "@example.com\"}").post("/create");
        etcd.member(0).pause();
        try {
            List<CompletableFuture<HttpResponse<String>>> waiting = post("in-" + run, MAX);
            awaitInProgress(MAX);
            assertRefusedAtOnce("over-" + run);
            for (CompletableFuture<HttpResponse<String>> answer : waiting) {
                int status = answer.join().statusCode();
                assertTrue(status == 503 || status == 504, status + " " + answer.join().body());
            }
        } finally {
            etcd.member(0).resume();
        }
        assertNoneStored("over-" + run);
        awaitInProgress(0);
        given().body("{\"email\": \"after-" + run + "@example.com\"}").post("/create").then().statusCode(201);
    }

    /** {@link #OVER} more creates: each 503 with Retry-After, all within a second. */
    private void assertRefusedAtOnce(String prefix) {
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> refused = post(prefix, OVER);
        for (CompletableFuture<HttpResponse<String>> answer : refused) {
            HttpResponse<String> response = answer.join();
            assertEquals(503, response.statusCode(), response.body());
            assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
            assertTrue(response.body().contains("\"error\":\"too many users are being created at once (" + MAX
                    + " in progress)"), response.body());
        }
        long tookMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(tookMillis < 1000, OVER + " refusals took " + tookMillis + " ms");
    }

    private void assertNoneStored(String prefix) {
        for (int i = 0; i < OVER; i++) {
            String email = prefix + "-" + i + "@example.com";
            assertTrue(etcd.get("/users/by-email/" + email).isEmpty(), email + " was refused, yet stored");
        }
    }

    private List<CompletableFuture<HttpResponse<String>>> post(String prefix, int count) {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(create).timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"" + prefix + "-" + i + "@example.com\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        return answers;
    }

    private static void awaitInProgress(int count) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> given().get("/q/metrics")
                .asString().lines().anyMatch(line -> line.equals("users_creates_in_progress " + count + ".0")));
    }
}
