package dev.microkit.stork.etcd.deployment;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Whether an etcd answers healthy on its client URL ({@code /health}): asked of a started and of a shared one. */
final class EtcdHealth {

    private EtcdHealth() {
    }

    static boolean healthy(HttpClient http, String endpoint) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/health")).timeout(Duration.ofSeconds(1))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
