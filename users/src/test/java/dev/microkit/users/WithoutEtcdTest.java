package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** users starts and serves with etcd (and so every notificator) down: health answers, /create says 503. */
@QuarkusTest
@WithTestResource(value = EtcdTestResource.class, initArgs = @ResourceArg(name = "started", value = "false"))
class WithoutEtcdTest {

    @Test
    void servesHealthAndAnswers503() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'etcd' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'notificator-instances' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'notificator-instances' }.data.instances",
                        equalTo("not looked up yet"));

        long start = System.nanoTime();
        given().body("{\"email\": \"ann@example.com\"}").post("/create").then().statusCode(503)
                .header("Retry-After", "1")
                .body("error", matchesPattern("cannot store the user: etcd (did not answer within 2000 ms"
                        + "|is unavailable \\((UNAVAILABLE|DEADLINE_EXCEEDED)\\))"));
        Duration answeredIn = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(answeredIn.compareTo(Duration.ofSeconds(4)) < 0, "503 took " + answeredIn);
    }
}
