package dev.microkit.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

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
 * {@code /services/notificator}, as {@code :authority}; every call must succeed, spread over both instances.
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
        first = Notificators.start(etcd, firstPort, Duration.ofSeconds(10));
        second = Notificators.start(etcd, secondPort, Duration.ofSeconds(10));
        Notificators.awaitRegistered(etcd, firstPort);
        Notificators.awaitRegistered(etcd, secondPort);
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
        }
    }
}
