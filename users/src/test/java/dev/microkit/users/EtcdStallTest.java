package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * etcd stalls (SIGSTOP): requests end by quarkus.etcd.request-timeout (504: sent, outcome unknown), and their etcd
 * calls end with them.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class EtcdStallTest {

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    MeterRegistry meters;

    private double openCalls() {
        return meters.get("etcd.client.calls.open").gauge().value();
    }

    private static String body() {
        return "{\"email\": \"s" + UUID.randomUUID() + "@example.com\"}";
    }

    @Test
    void callsThatTimedOutWhileEtcdStallsAreCancelledNotLeftOpen() {
        given().body(body()).post("/create").then().statusCode(201); // the outbox lease exists: creates need 1 call
        etcd.member(0).pause();
        try {
            for (int i = 0; i < 4; i++) { // each sent to etcd, which may apply it when it resumes: not a 503
                given().body(body()).post("/create").then().statusCode(504)
                        .body("error", containsString("it may or may not have been stored"));
            }
            // at most the dispatcher's one poll may be waiting now; before, every timed-out call stayed open
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> openCalls() <= 1);
            double open = openCalls();
            System.out.printf("[etcd stall] %.0f etcd call(s) open after 4 timed-out creates%n", open);
            assertTrue(open <= 1, open + " calls open");
        } finally {
            etcd.member(0).resume();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> given().body(body()).post("/create").then().statusCode(201));
    }

    /**
     * The extension's readiness check against a stalled etcd: every probe of a flood answers DOWN (503) with the reason
     * instead of hanging, its etcd call ends by its deadline, and readiness is UP again once etcd resumes.
     */
    @Test
    void readinessIsDownWithTheReasonWhileEtcdStallsAndItsCallsDoNotPileUp() {
        given().get("/q/health/ready").then().statusCode(200);
        etcd.member(0).pause();
        try {
            List<CompletableFuture<Integer>> probes = IntStream.range(0, 20)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> given().get("/q/health/ready").statusCode()))
                    .toList();
            for (CompletableFuture<Integer> probe : probes) {
                assertEquals(503, probe.orTimeout(20, TimeUnit.SECONDS).join());
            }
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'etcd' }.status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'etcd' }.data.error", containsString("etcd did not answer"));
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> openCalls() <= 1);
        } finally {
            etcd.member(0).resume();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> given().get("/q/health/ready").then().statusCode(200));
    }
}
