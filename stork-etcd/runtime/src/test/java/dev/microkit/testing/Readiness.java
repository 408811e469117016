package dev.microkit.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.process.AppProcess;

/** The readiness endpoint ({@code /q/health/ready}) of an application started by a test, over plain HTTP. */
public final class Readiness {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Readiness() {
    }

    public static HttpResponse<String> get(int port) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The overall status of a health answer: {@code UP} or {@code DOWN} (checks have their own, inside). */
    public static String status(String body) {
        try {
            return JSON.readTree(body).path("status").asText();
        } catch (JsonProcessingException e) {
            return "(not JSON: " + body + ")";
        }
    }

    /** The readiness answer once it matches; fails after {@code timeout} or when the process exits. */
    public static String await(int port, AppProcess process, Predicate<String> matches, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "(no answer)";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(process + " exited:\n" + process.logTail());
            }
            try {
                last = get(port).body();
                if (matches.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("readiness never matched within " + timeout + "; last: " + last + "\n"
                + process.logTail());
    }

    /** Waits until the overall status is UP. */
    public static String awaitUp(int port, AppProcess process) throws InterruptedException {
        return await(port, process, body -> "UP".equals(status(body)), Duration.ofSeconds(20));
    }
}
