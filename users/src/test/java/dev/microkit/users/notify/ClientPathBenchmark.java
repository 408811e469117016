package dev.microkit.users.notify;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.microkit.proto.MutinyNotificatorGrpc;
import dev.microkit.proto.SendEmailRequest;
import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.smallrye.stork.Stork;
import io.vertx.core.Vertx;

/**
 * Benchmarks P1b and P1c, not tests (tag {@code benchmark}, excluded from the build; run by deploy/bench/run.sh): SendEmail
 * calls per second, in one JVM, through {@link NotificatorClient} (Stork selection per call over the etcd discovery,
 * retries) versus the same generated stub over a plain grpc-java channel to the same notificator, at the same
 * concurrency, alternating A B A B. It prints figures and asserts nothing about them.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
@Tag("benchmark")
class ClientPathBenchmark {

    private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
    private static final Duration ROUND = Duration.ofSeconds(Integer.getInteger("bench.round-seconds", 5));
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 4);

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    NotificatorClient client;

    @Inject
    Vertx vertx;

    @Test
    void storkClientVersusPlainChannel() throws Exception {
        try (AppProcess notificator = Notificators.startRegistered(etcd)) {
            var instance = Stork.getInstance().getService("notificator").getInstances().await().indefinitely().get(0);
            ManagedChannel plain = NettyChannelBuilder.forAddress(instance.getHost(), instance.getPort())
                    .usePlaintext().directExecutor().build();
            SendEmailRequest request = SendEmailRequest.newBuilder().setEmail("bench@example.com").setContent("Hi")
                    .build();
            var stub = MutinyNotificatorGrpc.newMutinyStub(plain);
            Supplier<Uni<?>> a = () -> stub.withDeadlineAfter(2, TimeUnit.SECONDS).sendEmail(request);
            // as in production with the default sampler ratio 0: every call in a trace that is not sampled
            Context unsampled = Context.root().with(Span.wrap(SpanContext.create(TraceId.fromLongs(1, 2),
                    SpanId.fromLong(3), TraceFlags.getDefault(), TraceState.getDefault())));
            Supplier<Uni<?>> b = () -> client.sendEmail("bench@example.com", "Hi", "", unsampled);
            // C: as a request makes it, from a duplicated Vert.x context of its own, where its answer comes back
            Supplier<Uni<?>> c = () -> Uni.createFrom().emitter(emitter -> VertxContext
                    .createNewDuplicatedContext(vertx.getOrCreateContext()).runOnContext(ignored -> client
                            .sendEmail("bench@example.com", "Hi", "", unsampled).subscribe()
                            .with(emitter::complete, emitter::fail)));
            try {
                for (int i = 0; i < 2; i++) { // warm-up, not counted
                    run(a, ROUND);
                    run(b, ROUND);
                    run(c, ROUND);
                }
                double sumA = 0;
                double sumB = 0;
                double sumC = 0;
                System.out.printf("[P1b] concurrency %d, %d s rounds, order A B then B A alternately%n", CONCURRENCY,
                        ROUND.toSeconds());
                for (int round = 1; round <= ROUNDS; round++) {
                    boolean aFirst = round % 2 == 1;
                    double rateA = aFirst ? run(a, ROUND) : 0;
                    double rateB = run(b, ROUND);
                    rateA = aFirst ? rateA : run(a, ROUND);
                    double rateC = run(c, ROUND);
                    sumA += rateA;
                    sumB += rateB;
                    sumC += rateC;
                    System.out.printf("[P1b] round %d: A plain channel %.0f calls/s, B Stork client %.0f calls/s, "
                            + "B/A %.3f%n", round, rateA, rateB, rateB / rateA);
                }
                System.out.printf("[P1b] total: A %.0f calls/s, B %.0f calls/s, B/A %.3f%n", sumA / ROUNDS,
                        sumB / ROUNDS, sumB / sumA);
                System.out.printf("[P1b] from a request's Vert.x context: C %.0f calls/s, C/B %.3f%n",
                        sumC / ROUNDS, sumC / sumB);
            } finally {
                plain.shutdownNow();
            }
        }
    }

    /**
     * P1c: the same notificator artifact serving gRPC on its own grpc-java (Netty) server, as it ships (A), and on
     * Quarkus' single-port Vert.x server, which it used before Go clients with etcd naming needed the former (B).
     * Plain channels, same request, alternating.
     */
    @Test
    void separateGrpcServerVersusSinglePortServer() throws Exception {
        int separatePort = FreePorts.next();
        int singlePort = FreePorts.next();
        try (AppProcess separate = Notificators.start("bench-separate", etcd, separatePort, Map.of());
                AppProcess single = Notificators.start("bench-single-port", etcd, singlePort, Map.of(
                        "QUARKUS_GRPC_SERVER_USE_SEPARATE_SERVER", "false",
                        "QUARKUS_HTTP_PORT", String.valueOf(singlePort),
                        "REGISTRATION_ADVERTISED_PORT", String.valueOf(singlePort)))) {
            Notificators.awaitRegistered(etcd, separatePort);
            Notificators.awaitRegistered(etcd, singlePort);
            ManagedChannel toSeparate = NettyChannelBuilder.forAddress("127.0.0.1", separatePort).usePlaintext()
                    .directExecutor().build();
            ManagedChannel toSingle = NettyChannelBuilder.forAddress("127.0.0.1", singlePort).usePlaintext()
                    .directExecutor().build();
            SendEmailRequest request = SendEmailRequest.newBuilder().setEmail("bench@example.com").setContent("Hi")
                    .build();
            var stubA = MutinyNotificatorGrpc.newMutinyStub(toSeparate);
            var stubB = MutinyNotificatorGrpc.newMutinyStub(toSingle);
            Supplier<Uni<?>> a = () -> stubA.withDeadlineAfter(2, TimeUnit.SECONDS).sendEmail(request);
            Supplier<Uni<?>> b = () -> stubB.withDeadlineAfter(2, TimeUnit.SECONDS).sendEmail(request);
            try {
                for (int i = 0; i < 2; i++) { // warm-up, not counted
                    run(a, ROUND);
                    run(b, ROUND);
                }
                double sumA = 0;
                double sumB = 0;
                System.out.printf("[P1c] concurrency %d, %d s rounds, order A B then B A alternately%n", CONCURRENCY,
                        ROUND.toSeconds());
                for (int round = 1; round <= ROUNDS; round++) {
                    boolean aFirst = round % 2 == 1;
                    double rateA = aFirst ? run(a, ROUND) : 0;
                    double rateB = run(b, ROUND);
                    rateA = aFirst ? rateA : run(a, ROUND);
                    sumA += rateA;
                    sumB += rateB;
                    System.out.printf("[P1c] round %d: A separate gRPC server %.0f calls/s, B single-port server "
                            + "%.0f calls/s, A/B %.3f%n", round, rateA, rateB, rateA / rateB);
                }
                System.out.printf("[P1c] total: A %.0f calls/s, B %.0f calls/s, A/B %.3f%n", sumA / ROUNDS,
                        sumB / ROUNDS, sumA / sumB);
            } finally {
                toSeparate.shutdownNow();
                toSingle.shutdownNow();
            }
        }
    }

    /** Keeps {@link #CONCURRENCY} calls in flight for {@code duration}; returns completed calls per second. */
    private static double run(Supplier<Uni<?>> call, Duration duration) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(CONCURRENCY);
        long start = System.nanoTime();
        for (int i = 0; i < CONCURRENCY; i++) {
            next(call, done, failed, stop, finished);
        }
        Thread.sleep(duration.toMillis());
        stop.set(true);
        long elapsed = System.nanoTime() - start;
        long completed = done.get();
        finished.await(30, TimeUnit.SECONDS);
        if (failed.get() > 0) {
            System.out.printf("[bench] %d calls failed%n", failed.get());
        }
        return completed * 1e9 / elapsed;
    }

    private static void next(Supplier<Uni<?>> call, AtomicLong done, AtomicLong failed, AtomicBoolean stop,
            CountDownLatch finished) {
        if (stop.get()) {
            finished.countDown();
            return;
        }
        call.get().subscribe().with(
                ok -> {
                    done.incrementAndGet();
                    next(call, done, failed, stop, finished);
                },
                failure -> {
                    failed.incrementAndGet();
                    next(call, done, failed, stop, finished);
                });
    }
}
