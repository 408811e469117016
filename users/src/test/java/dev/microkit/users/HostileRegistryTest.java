package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.etcd.jetcd.ByteSequence;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Anyone who can write under the registry prefix can write anything. Next to one real notificator: a value of
 * 1 MiB, binary garbage, JSON nested 10,000 deep, a port out of range, a port nobody listens on and an address that
 * never answers. users must neither crash nor let them stall calls: every welcome email is sent at once, by the one
 * real instance.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class HostileRegistryTest {

    private static final String PREFIX = "/services/notificator/";

    @InjectEtcd
    EtcdCluster etcd;

    private AppProcess notificator;

    static Map<String, String> hostileValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("huge", "{\"Op\":0,\"Addr\":\"127.0.0.1:1\",\"Metadata\":\"" + "x".repeat(1024 * 1024) + "\"}");
        values.put("garbage", "\u0000\u0001\u00ff{{{\"Addr\":");
        values.put("nested", "[".repeat(10_000) + "]".repeat(10_000));
        values.put("port-out-of-range", "{\"Op\":0,\"Addr\":\"127.0.0.1:99999\"}");
        values.put("nobody-listens", "{\"Op\":0,\"Addr\":\"127.0.0.1:1\"}");
        // TEST-NET-1 (RFC 5737): never routed; connecting either hangs or fails at once, depending on the host
        values.put("never-answers", "{\"Op\":0,\"Addr\":\"192.0.2.1:8082\"}");
        return values;
    }

    @BeforeEach
    void writeHostileValues() throws Exception {
        notificator = Notificators.startRegistered(etcd);
        for (Map.Entry<String, String> value : hostileValues().entrySet()) {
            etcd.client().getKVClient().put(ByteSequence.from(PREFIX + value.getKey(), UTF_8),
                    ByteSequence.from(value.getValue(), UTF_8)).get(10, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String key : hostileValues().keySet()) {
            etcd.client().getKVClient().delete(ByteSequence.from(PREFIX + key, UTF_8)).get(10, TimeUnit.SECONDS);
        }
        notificator.close();
    }

    @Test
    void hostileRegistryValuesNeitherCrashUsersNorStallCalls() {
        long slowest = 0;
        for (int i = 0; i < 30; i++) {
            long started = System.nanoTime();
            Response created = given().body("{\"email\": \"h" + UUID.randomUUID() + "@example.com\"}")
                    .post("/create");
            slowest = Math.max(slowest, (System.nanoTime() - started) / 1_000_000);
            assertEquals(201, created.statusCode(), created.asString());
            assertTrue(created.jsonPath().getString("notificationId") != null,
                    "sent at once, by the real instance: " + created.asString());
        }
        System.out.printf("[hostile registry] 30 of 30 welcome emails sent at once; slowest /create %d ms%n",
                slowest);
        given().get("/q/health/live").then().statusCode(200);
    }
}
