package dev.microkit.stork.etcd.deployment;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * How applications in dev mode on one machine share the etcd that Dev Services started, as Quarkus' container-based
 * Dev Services share through container labels: the first application writes the etcd's endpoint and process id to a
 * file named after the service name, in the temporary directory; the next ones find it there, alive and healthy, and
 * use it instead of starting their own.
 */
final class SharedEtcd {

    private final Path file;

    SharedEtcd(String serviceName) {
        this.file = Path.of(System.getProperty("java.io.tmpdir"), "quarkus-dev-services",
                "etcd-" + serviceName.replaceAll("[^A-Za-z0-9._-]", "_") + ".properties");
    }

    Path file() {
        return file;
    }

    /** The endpoint of a shared etcd that is running and answers, if there is one. */
    Optional<String> find() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            return Optional.empty();
        }
        String endpoint = properties.getProperty("endpoint");
        long pid = Long.parseLong(properties.getProperty("pid", "-1"));
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (endpoint == null || !alive
                || !EtcdHealth.healthy(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build(), endpoint)) {
            return Optional.empty();
        }
        return Optional.of(endpoint);
    }

    void announce(String endpoint, long pid) {
        Properties properties = new Properties();
        properties.setProperty("endpoint", endpoint);
        properties.setProperty("pid", String.valueOf(pid));
        try {
            Files.createDirectories(file.getParent());
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(writer, "etcd started by Quarkus Dev Services (stork-etcd); deleted when it stops");
            }
        } catch (IOException e) {
            // not shared then: the next application starts an etcd of its own
        }
    }

    void withdraw() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stale file is ignored by find(): its process is gone
        }
    }
}
