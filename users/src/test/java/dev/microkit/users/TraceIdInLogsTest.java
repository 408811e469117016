package dev.microkit.users;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * users' own log lines carry the trace id of the request they are about, read from the log records themselves: in
 * process only, so no integration test runs this class against the packaged application (notificator's log lines are
 * checked across processes, in ObservabilityTest).
 */
@QuarkusTest
@WithTestResource(value = EtcdTestResource.class, initArgs = @ResourceArg(name = "started", value = "false"))
class TraceIdInLogsTest {

    @TestHTTPResource("/create")
    URI create;

    /**
     * Creates that wait together for etcd end on their own request: each 503 is logged under its own trace id, also
     * for the users that went to etcd in a transaction another request started (users' store shares them).
     */
    @Test
    void eachWaitingCreateLogsItsOwn503UnderItsOwnTrace() {
        Queue<String> loggedTraces = new ConcurrentLinkedQueue<>(); // of each "Answered 503" line
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record instanceof ExtLogRecord ext && ext.getMessage().startsWith("Answered 503")) {
                    loggedTraces.add(String.valueOf(ext.getMdc("traceId")));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger mappers = Logger.getLogger(ErrorMappers.class.getName());
        mappers.addHandler(capture);
        try {
            HttpClient http = HttpClient.newHttpClient();
            Map<String, CompletableFuture<HttpResponse<String>>> answers = new HashMap<>();
            for (int i = 1; i <= 5; i++) { // two go to etcd alone, three wait and go together
                String traceId = String.format("%032x", 0xabc0 + i);
                answers.put(traceId, http.sendAsync(HttpRequest.newBuilder(create).timeout(Duration.ofSeconds(20))
                        .header("traceparent", "00-" + traceId + "-00000000000000a1-01")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"w" + i + "@example.com\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            answers.values().forEach(answer -> assertEquals(503, answer.join().statusCode()));
            await().atMost(Duration.ofSeconds(5)).until(() -> loggedTraces.size() == answers.size());
            assertEquals(new TreeSet<>(answers.keySet()).toString(), loggedTraces.stream().sorted().toList().toString(),
                    "one 503 line per request, each under its request's trace id");
        } finally {
            mappers.removeHandler(capture);
        }
    }
}
