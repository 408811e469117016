package dev.microkit.stork.etcd.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The guide's application, from outside (its HTTP port), against etcd from Dev Services: it registers itself through
 * the extension's registrar, finds itself through its discovery, and its readiness says so. {@code GreeterIT} runs the
 * same against the jar, and against the native executable in the native run.
 */
@QuarkusTest
class GreeterTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/greeters")
    URL greeters;

    @TestHTTPResource("/q/health/ready")
    URL readiness;

    @Test
    void registersAndDiscoversItself() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(
                new Answer(200, "127.0.0.1:9001 {version=1}"), get(greeters)));
    }

    @Test
    void itsReadinessNamesTheRegistrationAndEtcd() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Answer ready = get(readiness);
            assertEquals(200, ready.status(), ready.body());
            assertTrue(ready.body().matches("(?s).*\"name\" *: *\"etcd\".*"), ready.body());
            assertTrue(ready.body().matches("(?s).*\"name\" *: *\"etcd-registration\".*"), ready.body());
            assertTrue(ready.body().contains("/services/greeter/127.0.0.1:9001 (lease "), ready.body());
        });
    }

    record Answer(int status, String body) {
    }

    static Answer get(URL url) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url.toString()))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(answer.statusCode(), answer.body());
    }
}
