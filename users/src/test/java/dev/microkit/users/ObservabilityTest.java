package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.notify.NotificatorClient;
import dev.microkit.users.testing.Notificators;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * Traces after real calls: users here (spans kept in memory), a real notificator process logging JSON. One
 * {@code /create} must be one trace, from users' HTTP span through its gRPC client span into notificator, whose log
 * line carries the same trace id. The metrics are checked by {@link MetricsTest}, also against the packaged artifact.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class ObservabilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Random RANDOM = new Random();
    private static AppProcess notificator;
    private static int notificatorPort;

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    InMemorySpanExporter spans;

    @Inject
    NotificatorClient client;

    @TestHTTPResource("/create")
    URI create;

    @BeforeEach
    void startNotificator() {
        if (notificator == null) {
            notificatorPort = FreePorts.next();
            notificator = Notificators.start("notificator-json-logs", etcd, notificatorPort,
                    Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"));
            Notificators.awaitRegistered(etcd, notificatorPort);
        }
    }

    @AfterAll
    static void stopNotificator() {
        if (notificator != null) {
            notificator.close();
        }
    }

    private static String create() {
        return given().body("{\"email\": \"o" + UUID.randomUUID() + "@example.com\"}").post("/create").then()
                .statusCode(201).extract().path("notificationId");
    }

    @Test
    void oneCreateIsOneTraceAcrossBothServices() {
        spans.reset();
        String notificationId = create();

        await().atMost(Duration.ofSeconds(10)).until(() -> server(spans.getFinishedSpanItems()).isPresent()
                && client(spans.getFinishedSpanItems()).isPresent());
        List<SpanData> finished = spans.getFinishedSpanItems();
        SpanData http = server(finished).orElseThrow();
        SpanData grpc = client(finished).orElseThrow();
        assertEquals(http.getTraceId(), grpc.getTraceId(), "the gRPC call is part of the /create trace");
        assertTrue(isDescendant(grpc, http, finished), "the gRPC client span is under the HTTP span");

        JsonNode line = await().atMost(Duration.ofSeconds(10)).until(() -> sentLine(notificationId),
                Optional::isPresent).orElseThrow();
        assertEquals(http.getTraceId(), line.path("mdc").path("traceId").asText(),
                "notificator's log line of this email carries users' trace id: " + line);
        System.out.printf("[tracing] /create trace %s: users %s -> %s, notificator logged it%n", http.getTraceId(),
                http.getName(), grpc.getName());
    }

    @Test
    void anUnsampledTraceStillReachesNotificatorsLogs() {
        // the default in production: sampler ratio 0, no span recorded, the trace id passed on all the same
        SpanContext unsampled = SpanContext.create(TraceId.fromLongs(RANDOM.nextLong(), RANDOM.nextLong() | 1),
                SpanId.fromLong(RANDOM.nextLong() | 1), TraceFlags.getDefault(), TraceState.getDefault());
        String notificationId;
        try (Scope scope = Context.root().with(Span.wrap(unsampled)).makeCurrent()) {
            notificationId = client.sendEmail("unsampled@example.com", "Hi!", UUID.randomUUID().toString()).await()
                    .atMost(Duration.ofSeconds(5));
        }

        JsonNode line = await().atMost(Duration.ofSeconds(10)).until(() -> sentLine(notificationId),
                Optional::isPresent).orElseThrow();
        assertEquals(unsampled.getTraceId(), line.path("mdc").path("traceId").asText(), line.toString());
    }

    /**
     * A gateway's traffic: concurrent requests, each with its own traceparent (sampled or not), then as many without
     * one. notificator's log line of each email must carry exactly its request's trace id; requests without a
     * traceparent get a trace each. Lazily made clients or callbacks that kept an earlier request's Vert.x context
     * would put emails under a wrong trace: some creates run first so that any such client exists already.
     */
    @Test
    void concurrentCreatesEachKeepTheirOwnTrace() {
        for (int i = 0; i < 3; i++) {
            create();
        }
        int concurrent = 40;
        HttpClient http = HttpClient.newHttpClient();
        Map<String, CompletableFuture<HttpResponse<String>>> withHeader = new HashMap<>();
        Set<String> sampled = new HashSet<>();
        for (int i = 0; i < concurrent; i++) {
            String traceId = TraceId.fromLongs(RANDOM.nextLong(), RANDOM.nextLong() | 1);
            if (i % 2 == 0) {
                sampled.add(traceId);
            }
            String traceparent = "00-" + traceId + "-" + SpanId.fromLong(RANDOM.nextLong() | 1)
                    + (sampled.contains(traceId) ? "-01" : "-00");
            withHeader.put(traceId, http.sendAsync(createRequest().header("traceparent", traceparent).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<CompletableFuture<HttpResponse<String>>> withoutHeader = new ArrayList<>();
        for (int i = 0; i < concurrent; i++) {
            withoutHeader.add(http.sendAsync(createRequest().build(), HttpResponse.BodyHandlers.ofString()));
        }

        Map<String, String> expectedTraceByNotification = new HashMap<>();
        withHeader.forEach((traceId, answer) -> expectedTraceByNotification.put(notificationId(answer), traceId));
        List<String> unheaded = withoutHeader.stream().map(ObservabilityTest::notificationId).toList();

        List<String> wrong = new ArrayList<>();
        expectedTraceByNotification.forEach((notificationId, traceId) -> {
            String logged = loggedTraceId(notificationId);
            if (!traceId.equals(logged)) {
                wrong.add(notificationId + " logged under " + logged + ", sent under " + traceId
                        + (sampled.contains(traceId) ? " (sampled)" : " (not sampled)"));
            }
        });
        Set<String> unheadedTraces = new HashSet<>();
        unheaded.forEach(notificationId -> unheadedTraces.add(loggedTraceId(notificationId)));
        unheadedTraces.removeAll(Set.of(""));
        System.out.printf("[tracing] %d concurrent /create with a traceparent: %d of %d emails under their request's"
                + " trace id; %d without: %d distinct trace ids%n", concurrent, concurrent - wrong.size(),
                concurrent, concurrent, unheadedTraces.size());
        assertEquals(0, wrong.size(), wrong.size() + " emails logged by notificator under another trace than their"
                + " request's, e.g. " + wrong.subList(0, Math.min(3, wrong.size())));
        assertEquals(concurrent, unheadedTraces.size(), "one trace per request without a traceparent");
        unheadedTraces.retainAll(withHeader.keySet());
        assertEquals(Set.of(), unheadedTraces, "requests without a traceparent reuse none of another request");
    }

    private HttpRequest.Builder createRequest() {
        return HttpRequest.newBuilder(create).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"t" + UUID.randomUUID() + "@example.com\"}"));
    }

    private static String notificationId(CompletableFuture<HttpResponse<String>> answer) {
        HttpResponse<String> response = answer.join();
        assertEquals(201, response.statusCode(), response.body());
        try {
            String id = JSON.readTree(response.body()).path("notificationId").asText();
            assertTrue(!id.isEmpty(), "the welcome email was sent at once: " + response.body());
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String loggedTraceId(String notificationId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> sentLine(notificationId), Optional::isPresent)
                .orElseThrow().path("mdc").path("traceId").asText();
    }

    private static Optional<SpanData> server(List<SpanData> spans) {
        return spans.stream().filter(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("/create"))
                .findFirst();
    }

    private static Optional<SpanData> client(List<SpanData> spans) {
        return spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT && s.getName().contains("SendEmail"))
                .findFirst();
    }

    private static boolean isDescendant(SpanData child, SpanData ancestor, List<SpanData> spans) {
        String parent = child.getParentSpanId();
        for (int depth = 0; depth < 10; depth++) {
            if (parent.equals(ancestor.getSpanId())) {
                return true;
            }
            String current = parent;
            Optional<SpanData> next = spans.stream().filter(s -> s.getSpanId().equals(current)).findFirst();
            if (next.isEmpty()) {
                return false;
            }
            parent = next.get().getParentSpanId();
        }
        return false;
    }

    /** notificator's JSON log line about this email. */
    private static Optional<JsonNode> sentLine(String notificationId) {
        return notificator.log().lines().filter(line -> line.startsWith("{")).map(line -> {
            try {
                return JSON.readTree(line);
            } catch (Exception e) {
                return null;
            }
        }).filter(node -> node != null && node.path("message").asText().startsWith("Sent email " + notificationId))
                .findFirst();
    }
}
