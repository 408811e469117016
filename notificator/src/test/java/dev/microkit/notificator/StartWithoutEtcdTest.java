package dev.microkit.notificator;

import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The notificator boots and serves while etcd is down, is not ready, and registers once etcd comes up. */
@QuarkusTest
@WithTestResource(GrpcTestPort.class)
@WithTestResource(value = EtcdTestResource.class, initArgs = @ResourceArg(name = "started", value = "false"))
class StartWithoutEtcdTest {

    @InjectEtcd
    EtcdCluster etcd;

    @GrpcTestPort.Port
    int grpcPort;

    @Test
    void servesWhileEtcdIsDownAndRegistersWhenItComesUp() throws InterruptedException {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then()
                .statusCode(503)
                .body("checks.find { it.name == 'etcd-registration' }.status", equalTo("DOWN"));
        try (NotificatorChannel notificator = NotificatorChannel.to(grpcPort)) {
            UUID.fromString(notificator.sendEmail("ann@example.com", "Hi!").getId());
        }

        etcd.startAll();

        String key = "/services/notificator/127.0.0.1:" + grpcPort;
        String value = await().atMost(Duration.ofSeconds(10)).until(() -> etcd.get(key), Optional::isPresent).get()
                .getValue().toString(UTF_8);
        assertTrue(value.contains("\"Addr\":\"127.0.0.1:" + grpcPort + "\""), value);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                        .body("checks.find { it.name == 'etcd-registration' }.status", equalTo("UP")));
    }
}
