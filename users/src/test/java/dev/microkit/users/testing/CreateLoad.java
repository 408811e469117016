package dev.microkit.users.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A bounded load of {@code POST /create} calls with unique emails from a few client threads, against a users service
 * on this machine. It counts every answer other than a 201 with a notificationId as a failure, with its status or
 * error, and keeps every outcome for closer analysis.
 */
public final class CreateLoad implements AutoCloseable {

    /** What a load saw: every answer other than a 201 that carries a notificationId is counted as failed. */
    public record Result(long requests, long failures, Map<String, Long> failuresByKind, long p99Millis,
            double perSecond, List<Outcome> outcomes) {
        @Override
        public String toString() {
            return requests + " requests, " + failures + " not answered 201 with a notificationId " + failuresByKind
                    + ", p99 " + p99Millis + " ms, max " + outcomes.stream().mapToLong(Outcome::latencyMillis).max()
                            .orElse(0) + " ms, " + Math.round(perSecond) + " req/s";
        }
    }

    /**
     * One request: when it started and ended ({@link System#nanoTime()}), the email asked for, its status (-1: no
     * answer), the created user's id if any, and whether its welcome email was left pending.
     */
    public record Outcome(long startNanos, long endNanos, String email, int status, String userId, boolean pending,
            long latencyMillis) {
    }

    private static final Duration MAX_RUN = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI create;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, Long> failures = new ConcurrentHashMap<>();
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();
    private final long startedNanos = System.nanoTime();

    private final Supplier<String> emails;

    private CreateLoad(URI users, int clients, Supplier<String> emails) {
        this.create = users.resolve("/create");
        this.emails = emails;
        for (int i = 0; i < clients; i++) {
            Thread thread = new Thread(this::run, "create-load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Clients that each create users with new emails, one after the other. */
    public static CreateLoad start(URI users, int clients) {
        return new CreateLoad(users, clients, () -> "load-" + UUID.randomUUID() + "@example.com");
    }

    /** Clients that ask for the same email again and again: all but maybe the first are answered 409. */
    public static CreateLoad hammer(URI users, int clients, String email) {
        return new CreateLoad(users, clients, () -> email);
    }

    private void run() {
        while (running.get() && System.nanoTime() - startedNanos < MAX_RUN.toNanos()) {
            String email = emails.get();
            String body = "{\"email\": \"" + email + "\"}";
            HttpRequest request = HttpRequest.newBuilder(create).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long start = System.nanoTime();
            int status = -1;
            String userId = null;
            boolean pending = false;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                if (status == 201) {
                    userId = JSON.readTree(response.body()).path("id").asText(null);
                    pending = !JSON.readTree(response.body()).has("notificationId");
                }
                if (status != 201) {
                    failures.merge(status + " " + response.body(), 1L, Long::sum);
                } else if (pending) {
                    failures.merge("201 with the welcome email pending", 1L, Long::sum);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failures.merge(e.toString(), 1L, Long::sum);
            }
            long end = System.nanoTime();
            outcomes.add(new Outcome(start, end, email, status, userId, pending, (end - start) / 1_000_000));
            requests.incrementAndGet();
        }
    }

    /** The 99th percentile latency of these outcomes, in milliseconds. */
    public static long p99(List<Outcome> outcomes) {
        List<Long> sorted = outcomes.stream().map(Outcome::latencyMillis).sorted().toList();
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * 99L / 100));
    }

    public long requests() {
        return requests.get();
    }

    /** Stops every client after its call in flight, and tells what they saw. */
    public Result stop() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Outcome> all;
        synchronized (outcomes) {
            all = List.copyOf(outcomes);
        }
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        return new Result(requests.get(), failures.values().stream().mapToLong(Long::longValue).sum(),
                Map.copyOf(failures), p99(all), requests.get() / seconds, all);
    }

    @Override
    public void close() {
        running.set(false);
    }
}
