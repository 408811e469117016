package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import dev.microkit.users.testing.Outbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * users started before any notificator: the user is created at once with its welcome email pending (the outbox),
 * and the email is sent as soon as a notificator registers, with no restart.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class WithoutNotificatorTest {

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void keepsTheUserAndSendsTheWelcomeEmailOnceANotificatorRegisters() {
        long start = System.nanoTime();
        Response created = given().body("{\"email\": \"early@example.com\"}").post("/create");
        Duration answeredIn = Duration.ofNanos(System.nanoTime() - start);

        created.then().statusCode(201)
                .body("email", equalTo("early@example.com"))
                .body("notification", equalTo("pending"));
        assertTrue(answeredIn.compareTo(Duration.ofSeconds(2)) < 0, "201 took " + answeredIn);
        String id = created.path("id");
        given().get("/users/" + id).then().statusCode(200).body("notification.state", equalTo("pending"));
        assertTrue(Outbox.entryOf(etcd, id).isPresent(), "the pending email is in the outbox");
        given().body("{\"email\": \"Early@example.com\"}").post("/create").then().statusCode(409);

        int port = FreePorts.next();
        try (AppProcess notificator = Notificators.start(etcd, port, Duration.ofSeconds(10))) {
            Notificators.awaitRegistered(etcd, port);
            long registered = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> given()
                    .get("/users/" + id).then().body("notification.state", equalTo("sent")));
            System.out.printf("[timing] pending welcome email sent %d ms after the first notificator registered%n",
                    Duration.ofNanos(System.nanoTime() - registered).toMillis());

            String notificationId = given().get("/users/" + id).path("notification.id");
            assertEquals(1, notificator.log().lines()
                    .filter(line -> line.contains("Sent email " + notificationId + " to early@example.com")).count(),
                    notificator.logTail());
            assertTrue(Outbox.entryOf(etcd, id).isEmpty(), "the outbox entry of a sent email is gone");
            given().body("{\"email\": \"later@example.com\"}").post("/create").then().statusCode(201)
                    .body("notificationId", org.hamcrest.Matchers.matchesPattern("[0-9a-f-]{36}"));
        }
    }
}
