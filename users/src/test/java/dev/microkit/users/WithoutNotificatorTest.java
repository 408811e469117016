package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** users started before any notificator: 503 at once, then 201 as soon as one registers, with no restart. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class WithoutNotificatorTest {

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void answers503UntilANotificatorRegistersThenCreates() throws InterruptedException {
        long start = System.nanoTime();
        given().body("{\"email\": \"early@example.com\"}").post("/create").then().statusCode(503)
                .body("error", equalTo("the welcome email could not be sent, the user was not created: "
                        + "no notificator instance is registered"));
        Duration answeredIn = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(answeredIn.compareTo(Duration.ofSeconds(2)) < 0, "503 took " + answeredIn);
        assertTrue(etcd.get("/users/by-email/early@example.com").isEmpty(), "the user was kept");

        int port = FreePorts.next();
        try (AppProcess notificator = Notificators.start(etcd, port, Duration.ofSeconds(10))) {
            Notificators.awaitRegistered(etcd, port);
            long registered = System.nanoTime();
            int status;
            do {
                status = given().body("{\"email\": \"early@example.com\"}").post("/create").statusCode();
            } while (status != 201 && System.nanoTime() - registered < Duration.ofSeconds(5).toNanos());
            Duration servedAfter = Duration.ofNanos(System.nanoTime() - registered);

            assertTrue(status == 201, "still " + status + " " + servedAfter + " after the notificator registered");
            assertTrue(servedAfter.compareTo(Duration.ofSeconds(2)) <= 0, "first 201 after " + servedAfter);
            System.out.printf("[timing] first 201 %d ms after the first notificator registered%n",
                    servedAfter.toMillis());
        }
        assertTrue(etcd.get("/users/by-email/early@example.com").isPresent(), "the created user is stored");
        // the notificator deregistered when it stopped: users no longer lists it
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'notificator-instances' }.data.instances", equalTo(0)));
    }
}
