package dev.microkit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;

/**
 * README's first two commands, as written but for the ports (free ones, so that nothing on this machine is in the
 * way): {@code deploy/local/run.sh} starts etcd, a notificator and users from the jars this build packaged, and
 * {@code curl -XPOST .../create -d '{"email": "ann@example.com"}'} (a form Content-Type, as curl sends it) gets its
 * 201 with the welcome email sent; a SIGTERM, like Ctrl-C, stops everything.
 */
class LocalRunTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theReadmeRunCommandAnswersTheReadmeCurlLine() throws Exception {
        int usersPort = FreePorts.next();
        Path log = Files.createTempFile("local-run-", ".log");
        ProcessBuilder builder = new ProcessBuilder("bash", "deploy/local/run.sh", "-n", "1").directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("ETCD_PORT", String.valueOf(FreePorts.next()));
        builder.environment().put("NOTIFICATOR_PORT", String.valueOf(FreePorts.next()));
        builder.environment().put("USERS_PORT", String.valueOf(usersPort));
        builder.environment().remove("QUARKUS_ETCD_ENDPOINTS");
        Process run = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!read(log).contains("Ctrl-C stops everything") && run.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(read(log).contains("Ctrl-C stops everything"), "not up within 120 s:\n" + read(log));

            HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://localhost:" + usersPort + "/create"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"ann@example.com\"}"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());

            assertEquals(201, created.statusCode(), created.body());
            assertTrue(created.body().contains("\"notificationId\""), "welcomed at once: " + created.body());
        } finally {
            run.destroy(); // SIGTERM: the script stops its processes as on Ctrl-C
            boolean exited = run.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                run.destroyForcibly();
            }
            String output = read(log);
            Files.deleteIfExists(log);
            assertTrue(exited && output.contains("Stopped."), "stopped gracefully:\n" + output);
        }
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
