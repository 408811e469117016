package dev.microkit.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.GoPrograms;
import dev.microkit.users.testing.Notificators;

/**
 * A Go service of the seed's world calls our notificators (the packaged artifact: jar, or native executable with
 * {@code -Dnative}): grpc-go 1.33 with etcd's naming resolver ({@code src/test/go/src/etcdnamingclient}), target
 * {@code etcd:////services/notificator}, round robin, no authority override. grpc-go sends the key prefix,
 * {@code /services/notificator}, as {@code :authority}; every call must succeed, spread over both instances. The
 * instances register the labels users selects by (zone, version, weight): etcd's naming library must still read every
 * registry value, and find the labels in its {@code Metadata} query string.
 */
class GoNamingClientIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CALLS = 40;

    private static EtcdCluster etcd;
    private static AppProcess first;
    private static AppProcess second;
    private static int firstPort;
    private static int secondPort;

    @BeforeAll
    static void startNotificators() {
        etcd = EtcdCluster.start(1);
        firstPort = FreePorts.next();
        secondPort = FreePorts.next();
        first = Notificators.start("notificator", etcd, firstPort, labels("eu-1a", "1", "9"));
        second = Notificators.start("notificator", etcd, secondPort, labels("eu-1b", "2", "1"));
        Notificators.awaitRegistered(etcd, firstPort);
        Notificators.awaitRegistered(etcd, secondPort);
    }

    private static Map<String, String> labels(String zone, String version, String weight) {
        return Map.of("QUARKUS_ETCD_REGISTRATION_TTL", "10s", "REGISTRATION_ZONE", zone,
                "REGISTRATION_VERSION", version, "REGISTRATION_WEIGHT", weight);
    }

    /** The labels of a {@code Metadata} query string, e.g. {@code id=..&zone=eu-1a}. */
    private static Map<String, String> queryString(JsonNode metadata) {
        assertTrue(metadata.isTextual(), "Metadata read by etcd's naming library as a string: " + metadata);
        return Arrays.stream(metadata.asText().split("&")).map(pair -> pair.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> pair.length > 1 ? pair[1] : ""));
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable process : new AutoCloseable[] { first, second, etcd }) {
            try {
                if (process != null) {
                    process.close();
                }
            } catch (Exception e) {
                System.out.println("closing " + process + ": " + e);
            }
        }
    }

    @Test
    void everyCallOfAGoClientWithEtcdNamingSucceedsOnBothInstances() throws Exception {
        var binary = GoPrograms.build("etcdnamingclient");
        try (AppProcess client = AppProcess.start("go-etcdnaming-client", GoPrograms.command(binary,
                "-etcd", etcd.endpoints(), "-calls", String.valueOf(CALLS)), Map.of())) {
            int exit = client.awaitExit(Duration.ofSeconds(60));
            assertEquals(0, exit, client.log());
            String line = client.log().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no summary line:\n" + client.log()));
            JsonNode summary = JSON.readTree(line);
            System.out.println("[go etcd-naming client] " + line);

            assertEquals(0, summary.path("failures").asInt(), line + "\nnotificator warnings:\n" + first.warnings()
                    + second.warnings());
            JsonNode perInstance = summary.path("perInstance");
            int onFirst = perInstance.path("127.0.0.1:" + firstPort).asInt();
            int onSecond = perInstance.path("127.0.0.1:" + secondPort).asInt();
            assertEquals(CALLS, onFirst + onSecond, line);
            assertTrue(onFirst > 0 && onSecond > 0, "both instances called: " + line);

            Map<String, String> firstLabels = queryString(summary.path("metadata").path("127.0.0.1:" + firstPort));
            Map<String, String> secondLabels = queryString(summary.path("metadata").path("127.0.0.1:" + secondPort));
            assertEquals(Map.of("zone", "eu-1a", "version", "1", "weight", "9"), withoutId(firstLabels), line);
            assertEquals(Map.of("zone", "eu-1b", "version", "2", "weight", "1"), withoutId(secondLabels), line);
        }
    }

    /** The labels but the instance's id, which is new at every start. */
    private static Map<String, String> withoutId(Map<String, String> labels) {
        Map<String, String> rest = new HashMap<>(labels);
        assertTrue(rest.remove("id") != null, "an id label: " + labels);
        return rest;
    }
}
