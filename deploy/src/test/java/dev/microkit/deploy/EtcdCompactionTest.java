package dev.microkit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.microkit.testing.FreePorts;

/**
 * Every etcd this project starts compacts its history: each user leaves old revisions behind (its outbox entry, its
 * record before "sent"), and an etcd that keeps them all grows until its space quota stops every write. The flags are
 * the same in docker-compose.yml, deploy/k8s, deploy/local and deploy/bench, and a real etcd reads them as meant (a
 * retention without a unit would be hours).
 */
class EtcdCompactionTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void composeAndKubernetesRunEtcdWithTheSameCompaction() throws Exception {
        List<String> compose = composeCompactionFlags();
        JsonNode statefulSet = Yaml.documents(KubernetesManifestsTest.kustomize("k8s")).stream()
                .filter(d -> d.get("kind").asText().equals("StatefulSet") && d.at("/metadata/name").asText()
                        .equals("etcd"))
                .findFirst().orElseThrow();
        List<String> kubernetes = compactionFlags(statefulSet.at("/spec/template/spec/containers/0/command"));

        assertEquals(List.of("--auto-compaction-mode=periodic", "--auto-compaction-retention=5m"), compose);
        assertEquals(compose, kubernetes);
    }

    @Test
    void theScriptsRunEtcdWithTheSameCompaction() throws Exception {
        for (String script : List.of("deploy/local/run.sh", "deploy/bench/run.sh")) {
            assertTrue(Files.readString(ROOT.resolve(script)).contains(
                    "--auto-compaction-mode=periodic --auto-compaction-retention=5m"), script);
        }
    }

    @Test
    void etcdKeepsFiveMinutesOfHistory() throws Exception {
        List<String> flags = composeCompactionFlags();
        Path dir = Files.createTempDirectory("etcd-compaction-");
        Path log = dir.resolve("etcd.log");
        String client = "http://127.0.0.1:" + FreePorts.next();
        String peer = "http://127.0.0.1:" + FreePorts.next();
        List<String> command = new ArrayList<>(List.of("etcd", "--name", "compaction", "--data-dir",
                dir.resolve("data").toString(), "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster",
                "compaction=" + peer, "--logger=zap"));
        command.addAll(flags);
        Process etcd = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!read(log).contains("serving client traffic") && etcd.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String output = read(log);
            assertTrue(output.contains("\"auto-compaction-mode\":\"periodic\""), output);
            assertTrue(output.contains("\"auto-compaction-retention\":\"5m0s\""), output);
            assertTrue(output.contains("\"auto-compaction-interval\":\"5m0s\""), output);
        } finally {
            etcd.destroy();
            etcd.waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static List<String> composeCompactionFlags() throws IOException {
        return compactionFlags(Yaml.documents(Files.readString(ROOT.resolve("docker-compose.yml"))).get(0)
                .at("/services/etcd/command"));
    }

    private static List<String> compactionFlags(JsonNode command) {
        return StreamSupport.stream(command.spliterator(), false).map(JsonNode::asText)
                .filter(flag -> flag.startsWith("--auto-compaction")).toList();
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
