package dev.microkit.notificator;

import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Registration in a real etcd, with a 2 s lease (the test profile). */
@QuarkusTest
@WithTestResource(GrpcTestPort.class)
@WithTestResource(EtcdTestResource.class)
class RegistrationTest {

    private static final Duration TTL = Duration.ofSeconds(2);

    @InjectEtcd
    EtcdCluster etcd;

    @GrpcTestPort.Port
    int grpcPort;

    private String key() {
        return "/services/notificator/127.0.0.1:" + grpcPort;
    }

    private KeyValue awaitKey() {
        return await().atMost(Duration.ofSeconds(10)).until(() -> etcd.get(key()), Optional::isPresent).get();
    }

    @Test
    void keyHoldsTheEtcdNamingEndpointJson() {
        String value = awaitKey().getValue().toString(UTF_8);

        String expected = "\\{\"Op\":0,\"Addr\":\"127\\.0\\.0\\.1:" + grpcPort
                + "\",\"Metadata\":\"id=[0-9a-f-]{36}&version=1\\.0\\.0-SNAPSHOT\"\\}";
        assertTrue(value.matches(expected), value + " does not match " + expected);
    }

    @Test
    void readinessNamesTheKeyAndTheLeaseThatHoldsIt() {
        long lease = awaitKey().getLease();

        given().get("/q/health/ready").then()
                .statusCode(200)
                .body("checks.find { it.name == 'etcd-registration' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'etcd-registration' }.data.notificator",
                        equalTo(key() + " (lease " + Long.toHexString(lease) + ")"));
    }

    @Test
    void aKeyDeletedByHandIsPutBackOnItsLeaseWithinASecond() throws Exception {
        long lease = awaitKey().getLease();

        for (int deletion = 1; deletion <= 2; deletion++) {
            // what an operator's mistaken `etcdctl del --prefix /services/` does
            long deleted = etcd.client().getKVClient().delete(ByteSequence.from("/services/", UTF_8),
                    DeleteOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getDeleted();
            assertEquals(1, deleted, "the key was there to delete");
            long started = System.nanoTime();

            KeyValue back = await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> etcd.get(key()), Optional::isPresent).get();
            System.out.printf("[self-heal] deletion %d: key back in %d ms%n", deletion,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            assertEquals(lease, back.getLease(), "put back on the lease that still lives, not re-registered");
        }
        given().get("/q/health/ready").then().statusCode(200);
    }

    /**
     * etcd keeps leases across a restart and renews their TTL when it starts: the registration asks etcd whether its
     * lease still lives and keeps it, or registers on a new one when the lease expired before it reached etcd again
     * (its connection comes back with backoff); either way the key is held again, kept alive, and it is ready.
     */
    @Test
    void isHeldAgainAfterEtcdWasDownLongerThanTheTtl() throws InterruptedException {
        awaitKey();

        etcd.member(0).kill();
        Thread.sleep(TTL.plusSeconds(1).toMillis());
        given().get("/q/health/ready").then()
                .statusCode(503)
                .body("checks.name", hasItem("etcd-registration"))
                .body("checks.find { it.name == 'etcd-registration' }.status", equalTo("DOWN"));
        etcd.member(0).start();

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(200));
        long held = awaitKey().getLease();
        Thread.sleep(TTL.multipliedBy(2).toMillis());
        assertEquals(held, awaitKey().getLease(), "the lease that holds the key is kept alive");
        given().get("/q/health/ready").then().statusCode(200);
    }

    /**
     * etcd stalls (SIGSTOP: connections open, nothing answered). Readiness must not hang with it: a flood of probes all
     * answer, and within the request timeout; registration is reported DOWN with why once the keep-alive stops being
     * answered for the TTL (clients may no longer find this instance), and UP again, on a key that etcd holds, after
     * etcd resumes.
     */
    @Test
    void readinessAnswersWhileEtcdStallsReportsTheLostRegistrationAndRecovers() throws Exception {
        awaitKey();
        given().get("/q/health/ready").then().statusCode(200);
        ExecutorService probers = Executors.newFixedThreadPool(20);
        etcd.member(0).pause();
        try {
            List<CompletableFuture<Long>> probes = IntStream.range(0, 20)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        long started = System.nanoTime();
                        given().get("/q/health/ready").then().statusCode(503);
                        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    }, probers))
                    .toList();
            long slowest = 0;
            for (CompletableFuture<Long> probe : probes) {
                slowest = Math.max(slowest, probe.get(20, TimeUnit.SECONDS));
            }
            System.out.printf("[etcd stall] 20 concurrent readiness probes, slowest answered in %d ms%n", slowest);
            // the etcd check waits for its read up to the request timeout (2 s); nothing may wait longer
            assertTrue(slowest < 4_000, "a probe took " + slowest + " ms while etcd stalled");

            await().atMost(TTL.multipliedBy(4)).pollInterval(Duration.ofMillis(200)).untilAsserted(
                    () -> given().get("/q/health/ready").then().statusCode(503)
                            .body("checks.find { it.name == 'etcd-registration' }.status", equalTo("DOWN"))
                            .body("checks.find { it.name == 'etcd-registration' }.data.notificator",
                                    startsWith("not registered")));
        } finally {
            etcd.member(0).resume();
            probers.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(200)
                .body("checks.find { it.name == 'etcd-registration' }.status", equalTo("UP")));
        long held = awaitKey().getLease();
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'etcd-registration' }.data.notificator",
                        equalTo(key() + " (lease " + Long.toHexString(held) + ")"));
    }
}
