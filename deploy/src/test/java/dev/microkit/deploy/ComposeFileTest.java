package dev.microkit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** docker-compose.yml: what it promises, read from the file (CI also runs docker-compose config -q on it). */
class ComposeFileTest {

    private static JsonNode services;

    @BeforeAll
    static void read() throws Exception {
        services = Yaml.documents(Files.readString(Path.of("..", "docker-compose.yml"))).get(0).get("services");
    }

    @Test
    void etcdHasAHealthCheckAndAVolume() {
        JsonNode etcd = services.get("etcd");
        assertTrue(etcd.get("image").asText().startsWith("quay.io/coreos/etcd:v3.5."), etcd.get("image").asText());
        assertTrue(etcd.at("/healthcheck/test").toString().contains("endpoint"), etcd.at("/healthcheck").toString());
        assertTrue(etcd.at("/healthcheck/test").toString().contains("health"));
        assertTrue(etcd.get("volumes").get(0).asText().endsWith(":/etcd-data"));
    }

    @Test
    void threeNotificatorsWithoutHostPortsThatOutliveTheirShutdownDelay() {
        JsonNode notificator = services.get("notificator");
        assertEquals(3, notificator.at("/deploy/replicas").asInt());
        assertFalse(notificator.has("ports"), "replicas cannot share a host port; they register container addresses");
        assertEquals("http://etcd:2379", notificator.at("/environment/QUARKUS_ETCD_ENDPOINTS").asText());
        assertEquals("unless-stopped", notificator.get("restart").asText());
        assertEquals("service_healthy", notificator.at("/depends_on/etcd/condition").asText());
        Duration grace = seconds(notificator.get("stop_grace_period").asText());
        Duration drain = seconds(notificator.at("/environment/QUARKUS_SHUTDOWN_DELAY").asText())
                .plus(seconds(notificator.at("/environment/QUARKUS_SHUTDOWN_TIMEOUT").asText()));
        assertTrue(grace.compareTo(drain) > 0, "stop grace " + grace + " must exceed " + drain);
        assertEquals("notificator/src/main/docker/Dockerfile.multistage",
                notificator.at("/build/dockerfile").asText());
    }

    @Test
    void usersOnTheSeedsPortOnceEtcdIsHealthy() {
        JsonNode users = services.get("users");
        assertEquals("8802:8802", users.get("ports").get(0).asText());
        assertEquals("http://etcd:2379", users.at("/environment/QUARKUS_ETCD_ENDPOINTS").asText());
        assertEquals("service_healthy", users.at("/depends_on/etcd/condition").asText());
        assertEquals("users/src/main/docker/Dockerfile.multistage", users.at("/build/dockerfile").asText());
    }

    private static Duration seconds(String value) {
        assertTrue(value.matches("\\d+s"), value + " is not a number of seconds");
        return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
    }
}
