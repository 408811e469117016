package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@code /q/metrics} of both services after real calls (users here, a real notificator process): the series operators
 * need exist and move with the calls.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class MetricsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static AppProcess notificator;
    private static int notificatorPort;
    private static int notificatorHttpPort;

    @InjectEtcd
    EtcdCluster etcd;

    @BeforeEach
    void startNotificator() {
        if (notificator == null) {
            notificatorPort = FreePorts.next();
            notificatorHttpPort = FreePorts.next();
            notificator = Notificators.start("notificator", etcd, notificatorPort,
                    Map.of("QUARKUS_HTTP_PORT", String.valueOf(notificatorHttpPort)));
            Notificators.awaitRegistered(etcd, notificatorPort);
        }
    }

    @AfterAll
    static void stopNotificator() {
        if (notificator != null) {
            notificator.close();
            notificator = null;
        }
    }

    private static String create() {
        return given().body("{\"email\": \"m" + UUID.randomUUID() + "@example.com\"}").post("/create").then()
                .statusCode(201).extract().path("notificationId");
    }

    @Test
    void metricsOfBothServicesMoveWithRealCalls() throws Exception {
        create(); // every series exists from here on
        String users = given().get("/q/metrics").asString();
        String notificatorMetrics = scrape(notificatorHttpPort);
        String instance = "127.0.0.1:" + notificatorPort;

        for (int i = 0; i < 3; i++) {
            create();
        }
        String usersAfter = given().get("/q/metrics").asString();
        String notificatorAfter = scrape(notificatorHttpPort);

        assertMoved(users, usersAfter, "http_server_requests_seconds_count{method=\"POST\",outcome=\"SUCCESS\","
                + "status=\"201\",uri=\"/create\"}", 3);
        assertMoved(users, usersAfter, "users_created_total{welcome=\"sent\"}", 3);
        assertMoved(users, usersAfter, "notificator_client_calls_seconds_count{instance=\"" + instance
                + "\",outcome=\"ok\"}", 3);
        assertTrue(value(usersAfter, "notificator_client_calls_seconds_sum{instance=\"" + instance
                + "\",outcome=\"ok\"}").orElse(0.0) > 0, "time of the calls");
        assertTrue(value(usersAfter, "stork_etcd_instances{service=\"notificator\"}").orElse(0.0) >= 1,
                "known instances");
        assertTrue(value(usersAfter, "stork_etcd_watch_resyncs_total{service=\"notificator\"}").isPresent());
        assertTrue(value(usersAfter, "notificator_client_retries_total").isPresent());
        assertTrue(value(usersAfter, "users_outbox_pending").isPresent());

        assertMoved(notificatorMetrics, notificatorAfter, "notificator_emails_total{result=\"sent\"}", 3);
        assertMoved(notificatorMetrics, notificatorAfter, "grpc_server_processing_duration_seconds_count{"
                + "method=\"SendEmail\",methodType=\"UNARY\",service=\"pb.Notificator\",statusCode=\"OK\"}", 3);
        assertEquals(Optional.of(1.0), value(notificatorAfter,
                "etcd_registration_registered{service=\"notificator\"}"));
        assertEquals(Optional.of(0.0), value(notificatorAfter,
                "etcd_registration_reregistrations_total{service=\"notificator\"}"));
    }

    private static String scrape(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void assertMoved(String before, String after, String series, double by) {
        double was = value(before, series).orElse(0.0);
        double is = value(after, series).orElseThrow(() -> new AssertionError("no series " + series + "\n" + after));
        assertTrue(is - was >= by, series + " moved from " + was + " to " + is + ", expected +" + by);
    }

    private static Optional<Double> value(String metrics, String series) {
        Matcher line = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)", Pattern.MULTILINE).matcher(metrics);
        return line.find() ? Optional.of(Double.parseDouble(line.group(1))) : Optional.empty();
    }
}
