package dev.microkit.notificator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdTestResource;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The calls notificator serves, traced as the sampler decides (the default: ratio 0, parent-based): a call of a sampled
 * trace is recorded as a SERVER span of that trace; a call of a dropped trace, the cheap path, records nothing, and its
 * log line carries its caller's trace id, also when calls of other traces run beside it; a call without a trace gets a
 * trace id of its own.
 */
@QuarkusTest
@WithTestResource(GrpcTestPort.class)
@WithTestResource(EtcdTestResource.class)
class CallTracingTest {

    @GrpcTestPort.Port
    int grpcPort;

    @Inject
    InMemorySpanExporter spans;

    private NotificatorChannel notificator;
    /** The trace id of each "Sent email" line, by the address it names. */
    private final Map<String, String> loggedTraces = new ConcurrentHashMap<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record instanceof ExtLogRecord ext && ext.getFormattedMessage().startsWith("Sent email ")) {
                String message = ext.getFormattedMessage();
                String email = message.substring(message.lastIndexOf(' ') + 1);
                loggedTraces.put(email, String.valueOf(ext.getMdc("traceId")));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void connect() {
        notificator = NotificatorChannel.to(grpcPort);
        Logger.getLogger(NotificatorService.class.getName()).addHandler(capture);
        spans.reset();
    }

    @AfterEach
    void disconnect() {
        Logger.getLogger(NotificatorService.class.getName()).removeHandler(capture);
        notificator.close();
    }

    @Test
    void aCallOfASampledTraceIsRecordedAsAServerSpanOfThatTrace() {
        String traceId = randomHex(32);
        String callerSpan = randomHex(16);
        String email = send("00-" + traceId + "-" + callerSpan + "-01");

        await().atMost(Duration.ofSeconds(5)).until(() -> !spans.getFinishedSpanItems().isEmpty());
        List<SpanData> finished = spans.getFinishedSpanItems();
        assertEquals(1, finished.size(), finished.toString());
        SpanData span = finished.get(0);
        assertEquals(SpanKind.SERVER, span.getKind());
        assertEquals(traceId, span.getTraceId());
        assertEquals(callerSpan, span.getParentSpanId(), "a child of the caller's span");
        assertEquals("pb.Notificator/SendEmail", span.getName());
        assertEquals(traceId, loggedTraces.get(email));
    }

    @Test
    void callsOfDroppedTracesRecordNothingAndEachLogsItsOwnTraceId() throws InterruptedException {
        Map<String, String> traceOf = new ConcurrentHashMap<>(); // email -> the trace id it was sent under
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < 8; c++) { // calls of different traces in flight together, and then one after another
            Thread caller = new Thread(() -> {
                for (int i = 0; i < 25; i++) {
                    String traceId = randomHex(32);
                    traceOf.put(send("00-" + traceId + "-" + randomHex(16) + "-00"), traceId);
                }
            });
            caller.start();
            callers.add(caller);
        }
        for (Thread caller : callers) {
            caller.join(30_000);
        }
        String untraced = send(null);

        assertEquals(200, traceOf.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> loggedTraces.size() == traceOf.size() + 1);
        List<String> wrong = traceOf.entrySet().stream().filter(sent -> !sent.getValue().equals(
                loggedTraces.get(sent.getKey()))).map(sent -> sent.getKey() + " sent under " + sent.getValue()
                        + ", logged under " + loggedTraces.get(sent.getKey())).toList();
        assertEquals(0, wrong.size(), wrong.size() + " of " + traceOf.size() + " emails logged under another trace "
                + "than their caller's, e.g. " + wrong.stream().limit(3).toList());
        String own = loggedTraces.get(untraced);
        assertTrue(own != null && own.matches("[0-9a-f]{32}") && !own.equals("0".repeat(32)),
                "a trace id of its own: " + own);
        assertFalse(traceOf.containsValue(own), "not a trace of an earlier call: " + own);
        assertEquals(List.of(), spans.getFinishedSpanItems(), "nothing recorded: sampler ratio 0, no sampled caller");
    }

    /** SendEmail to an address of its own, with this traceparent (none if null): the address. */
    private String send(String traceparent) {
        String email = "t" + UUID.randomUUID() + "@example.com";
        if (traceparent == null) {
            notificator.sendEmail(email, "Hi!");
        } else {
            notificator.sendEmailIn(traceparent, email, "Hi!");
        }
        return email;
    }

    /** A random id of {@code digits} hex digits (never all zeros): for trace and span ids. */
    static String randomHex(int digits) {
        StringBuilder hex = new StringBuilder();
        while (hex.length() < digits) {
            hex.append(Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE));
        }
        return hex.substring(0, digits);
    }
    /** Quarkus exports the spans to every SpanExporter bean: in this test, to memory. */
    static class InMemorySpans {

        @Produces
        @Singleton
        InMemorySpanExporter exporter() {
            return InMemorySpanExporter.create();
        }
    }
}
