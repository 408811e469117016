package dev.microkit.users;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import dev.microkit.users.testing.Notificators;
import io.etcd.jetcd.ByteSequence;

/**
 * The packaged users (jar, or native with {@code -Dnative}) finds its notificator under a registry prefix holding more
 * than one etcd answer carries: five junk values of 1 MiB (etcd takes values up to 1.5 MiB; jetcd takes 4 MiB per
 * answer) written before it starts. Its discovery's first listing is read in pages and skips the junk, each key with
 * one warning; read in one answer, it failed every time (RESOURCE_EXHAUSTED) and no notificator was ever found.
 */
class OversizedRegistryIT {

    private static final Artifact USERS = Artifact.of(Path.of("."));
    private static final int JUNK = 5;

    @Test
    void aRegistryLargerThanOneAnswerIsListedInPages() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1)) {
            for (int i = 0; i < JUNK; i++) {
                etcd.client().getKVClient().put(ByteSequence.from("/services/notificator/junk-" + i, UTF_8),
                        ByteSequence.from("x".repeat(1024 * 1024), UTF_8)).get(10, TimeUnit.SECONDS);
            }
            int port = FreePorts.next();
            try (AppProcess notificator = Notificators.startRegistered(etcd);
                    AppProcess users = AppProcess.start("users-oversized-registry", USERS, Map.of(
                            "QUARKUS_ETCD_ENDPOINTS", etcd.endpoints(),
                            "QUARKUS_HTTP_PORT", String.valueOf(port)))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> users.log().contains("Listening on"));
                HttpClient http = HttpClient.newHttpClient();
                AtomicReference<String> last = new AtomicReference<>("no answer");
                AtomicReference<String> welcomed = new AtomicReference<>();
                try {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                        String email = "o" + UUID.randomUUID() + "@example.com";
                        HttpResponse<String> created = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/create"))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"" + email + "\"}"))
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                        last.set(created.statusCode() + " " + created.body());
                        if (created.statusCode() == 201 && created.body().contains("notificationId")) {
                            welcomed.set(email);
                        }
                        return welcomed.get() != null;
                    });
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("no welcome email sent at once; last answer " + last + "\n"
                            + users.logTail(), e);
                }
                assertTrue(notificator.log().contains(" to " + welcomed.get()), notificator.logTail());
                assertEquals(JUNK, users.log().lines().filter(line -> line.contains("Skipping etcd key "
                        + "/services/notificator/junk-")).count(), "one warning per junk key:\n" + users.warnings());
            }
        }
    }
}
