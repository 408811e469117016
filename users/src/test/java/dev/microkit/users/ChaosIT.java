package dev.microkit.users;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdMember;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import dev.microkit.users.testing.CreateLoad;
import dev.microkit.users.testing.Notificators;
import dev.microkit.users.testing.Outbox;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;

/**
 * The chaos suite: real processes (etcd members, the users and notificator jars), a load of {@code POST /create}, one
 * fault per scenario, and one table. Short by default (CI); {@code -Dchaos.full=true} runs the faults longer:
 * {@code ./mvnw -B verify -pl users -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT
 * -Dchaos.full=true}.
 * <p>
 * Columns: requests; failures (any answer but 201, or no answer; a 201 whose welcome email is pending is no failure,
 * the outbox sends it), except 503 and 504 answered to requests sent while etcd was unusable (from an etcd fault until
 * the service stored a user again after it), counted apart; emails answered 503 (nothing stored) that were stored all
 * the same; users answered 201 but not stored; users whose welcome email was never sent;
 * emails sent twice (at least once delivery: an email sent but not recorded during an etcd outage is sent again,
 * with the same id); p99 latency; recovery (from the fault until the last request that felt it: a 503, or a 201
 * with the email pending).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {

    private static final boolean FULL = Boolean.getBoolean("chaos.full");
    private static final Artifact USERS = Artifact.of(Path.of("."));
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final int CLIENTS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TABLE = new ArrayList<>();
    /**
     * The one fault that may send an email twice whatever users does: a notificator killed after it sent an email
     * and before its answer left takes its memory of the key with it, and the call fails over to another instance.
     * Every other scenario asserts 0 duplicates.
     */
    private static final String KILL_NOTIFICATOR = "kill -9 1 of 3 notificators";

    /** One scenario's system. */
    private static final class Stack implements AutoCloseable {
        final EtcdCluster etcd;
        final int usersPort = FreePorts.next();
        final List<AppProcess> notificators = new ArrayList<>();
        final List<AppProcess> everyNotificator = new ArrayList<>();
        AppProcess users;
        int usersStarts;

        Stack(int members, int notificatorCount) {
            this(EtcdCluster.start(members), notificatorCount);
        }

        /** Users and the notificators start at once: one after the other, JVM starts added up to 20 s. */
        Stack(EtcdCluster etcd, int notificatorCount) {
            this.etcd = etcd;
            try {
                users = launchUsers(usersPort, ++usersStarts);
                List<Integer> ports = new ArrayList<>();
                for (int i = 0; i < notificatorCount; i++) {
                    ports.add(FreePorts.next());
                    startNotificator(ports.get(i));
                }
                awaitListening(users);
                ports.forEach(port -> Notificators.awaitRegistered(etcd, port));
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        URI users() {
            return URI.create("http://127.0.0.1:" + usersPort);
        }

        void startUsers() {
            users = startUsersOn(usersPort, ++usersStarts);
        }

        AppProcess startUsersOn(int port, int start) {
            return awaitListening(launchUsers(port, start));
        }

        private static AppProcess awaitListening(AppProcess users) {
            await().atMost(Duration.ofSeconds(30)).until(() -> users.log().contains("Listening on"));
            return users;
        }

        /** Starts a users replica, without waiting for it. */
        AppProcess launchUsers(int port, int start) {
            return AppProcess.start("chaos-users-" + port + "-" + start, USERS, Map.of(
                    "QUARKUS_ETCD_ENDPOINTS", etcd.endpoints(),
                    "QUARKUS_HTTP_PORT", String.valueOf(port),
                    "OUTBOX_POLL_INTERVAL", "300ms",
                    "OUTBOX_RETRY_INITIAL_BACKOFF", "300ms",
                    "OUTBOX_RETRY_MAX_BACKOFF", "2s",
                    "OUTBOX_CLAIM_TTL", "7s")); // longer than the creator's path, 6 s
        }

        AppProcess addNotificator() {
            int port = FreePorts.next();
            AppProcess notificator = startNotificator(port);
            Notificators.awaitRegistered(etcd, port);
            return notificator;
        }

        /** Starts one more notificator, without waiting for it. */
        AppProcess startNotificator(int port) {
            // registration retries within a second: with a member cut off, some attempts meet it and time out
            AppProcess notificator = Notificators.start("notificator", etcd, port, Map.of(
                    "QUARKUS_ETCD_REGISTRATION_TTL", TTL.toSeconds() + "s",
                            "QUARKUS_ETCD_REGISTRATION_RETRY_MAX_BACKOFF", "1s",
                    // every failed registration attempt in the log, for the failure message
                    "QUARKUS_LOG_CATEGORY__DEV_MICROKIT_STORK_ETCD__LEVEL", "DEBUG"));
            notificators.add(notificator);
            everyNotificator.add(notificator);
            return notificator;
        }

        long count(String prefix) throws Exception {
            return etcd.client().getKVClient().get(ByteSequence.from(prefix, UTF_8),
                    GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(5, TimeUnit.SECONDS)
                    .getCount();
        }

        @Override
        public void close() {
            List<AppProcess> processes = new ArrayList<>(notificators);
            if (users != null) {
                processes.add(users);
            }
            AppProcess.closeAll(processes);
            etcd.close();
        }
    }

    /** A fault, injected while the load runs. */
    private interface Fault {
        void inject(Stack stack) throws Exception;
    }

    private static Duration scaled(int shortSeconds, int fullSeconds) {
        return Duration.ofSeconds(FULL ? fullSeconds : shortSeconds);
    }

    /**
     * Runs load, injects the fault, runs on for {@code after}, then waits for the outbox to drain and counts.
     *
     * @param etcdFault 503s answered between the fault and the first user stored after it are counted apart
     * @param stopLoadFirst the load stops before the fault (for faults that take users itself down)
     */
    private static void scenario(String name, int members, int notificators, boolean etcdFault,
            boolean stopLoadFirst, Duration after, Fault fault) throws Exception {
        scenario(name, () -> EtcdCluster.start(members), notificators, etcdFault, stopLoadFirst, after, fault);
    }

    private static void scenario(String name, Supplier<EtcdCluster> etcd, int notificators, boolean etcdFault,
            boolean stopLoadFirst, Duration after, Fault fault) throws Exception {
        try (Stack stack = new Stack(etcd.get(), notificators)) {
            CreateLoad load = CreateLoad.start(stack.users(), CLIENTS);
            Thread.sleep(scaled(2, 5).toMillis());
            CreateLoad.Result result = null;
            if (stopLoadFirst) {
                result = load.stop();
            }
            long faultStart = System.nanoTime();
            fault.inject(stack);
            long faultEnd = System.nanoTime();
            Thread.sleep(after.toMillis());
            if (!stopLoadFirst) {
                result = load.stop();
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.count(Outbox.PREFIX) == 0);

            // etcd is unusable for the service from the fault until it stores a user again after etcd is back
            // (its gRPC channel reconnects with backoff): 503s in between are the outage, counted apart
            long recovered = result.outcomes().stream()
                    .filter(outcome -> outcome.status() == 201 && outcome.endNanos() > faultEnd)
                    .mapToLong(CreateLoad.Outcome::endNanos).min().orElse(Long.MAX_VALUE);
            long excused = 0;
            long failures = 0;
            long lastFelt = faultStart;
            List<String> created = new ArrayList<>();
            List<String> notStored = new ArrayList<>();
            List<String> unexcused = new ArrayList<>();
            for (CreateLoad.Outcome outcome : result.outcomes()) {
                // sent while etcd was unusable: it may end later, after its 2 s request timeout
                boolean inFault = outcome.endNanos() >= faultStart && outcome.startNanos() <= recovered;
                if (outcome.status() == 503) {
                    notStored.add(outcome.email());
                }
                if (outcome.status() == 201) {
                    created.add(outcome.userId());
                } else if (etcdFault && inFault && (outcome.status() == 503 || outcome.status() == 504)) {
                    excused++; // 504: sent to etcd, which did not answer in time; stored or not, it says so
                } else {
                    failures++;
                    unexcused.add(outcome.status() + " sent at " + (outcome.startNanos() - faultStart) / 1_000_000
                            + " ms, answered at " + (outcome.endNanos() - faultStart) / 1_000_000 + " ms");
                }
                if ((outcome.status() != 201 || outcome.pending()) && outcome.endNanos() > lastFelt) {
                    lastFelt = outcome.endNanos();
                }
            }
            long lostUsers = 0;
            long lostNotifications = 0;
            for (String id : created) {
                var kv = stack.etcd.get("/users/by-id/" + id);
                if (kv.isEmpty()) {
                    lostUsers++;
                } else if (!"sent".equals(JSON.readTree(kv.get().getValue().toString(UTF_8))
                        .path("notification").path("state").asText())) {
                    lostNotifications++;
                }
            }
            // a 503 says nothing was stored: asked afterwards, its email must be free
            long storedAfter503 = 0;
            for (String email : notStored) {
                if (stack.etcd.get("/users/by-email/" + email).isPresent()) {
                    storedAfter503++;
                }
            }
            Map<String, Long> sentPerEmail = sentPerEmail(stack, "load-");
            long duplicates = sentPerEmail.values().stream().mapToLong(n -> n - 1).sum();
            long recoveryMillis = (lastFelt - faultStart) / 1_000_000;

            TABLE.add(String.format("| %-40s | %8d | %8d | %13d | %10d | %10d | %13d | %10d | %7d | %11d |",
                    name, result.requests(), failures, excused, storedAfter503, lostUsers, lostNotifications,
                    duplicates, result.p99Millis(), recoveryMillis));
            System.out.printf("[chaos] %s: %s%n", name, result);

            assertEquals(0, failures, name + ": " + result + "; not excused (times from the fault's start; it ended at "
                    + (faultEnd - faultStart) / 1_000_000 + " ms, the first 201 after it at "
                    + (recovered == Long.MAX_VALUE ? "never" : (recovered - faultStart) / 1_000_000 + " ms") + "): "
                    + unexcused);
            assertEquals(0, storedAfter503, name + ": answered 503 (nothing stored) but stored");
            assertEquals(0, lostUsers, name + ": users answered 201 but not stored");
            assertEquals(0, lostNotifications, name + ": welcome emails never sent");
            if (!name.equals(KILL_NOTIFICATOR)) {
                assertEquals(0, duplicates, name + ": welcome emails sent twice" + howSentTwice(stack, sentPerEmail));
            }
        }
    }

    /** What the logs say of the first emails sent twice, and of the notificators' registrations. */
    private static String howSentTwice(Stack stack, Map<String, Long> sentPerEmail) {
        List<String> twice = sentPerEmail.entrySet().stream().filter(sent -> sent.getValue() > 1)
                .map(Map.Entry::getKey).sorted().limit(3).toList();
        if (twice.isEmpty()) {
            return "";
        }
        StringBuilder story = new StringBuilder("\n--- the logs' lines of ").append(twice);
        List<AppProcess> processes = new ArrayList<>(stack.everyNotificator);
        processes.add(stack.users);
        for (AppProcess process : processes) {
            story.append("\n--- ").append(process).append(':');
            process.log().lines().filter(line -> twice.stream().anyMatch(line::contains)
                    || line.contains("egist") || line.contains("ease ") || line.contains("WARN"))
                    .limit(200).forEach(line -> story.append('\n').append(line));
        }
        return story.toString();
    }

    @Test
    @Order(1)
    void sigkillOfOneOfThreeNotificators() throws Exception {
        scenario(KILL_NOTIFICATOR, 1, 3, false, false, scaled(4, 15),
                stack -> stack.notificators.get(0).kill());
    }

    @Test
    @Order(2)
    void rollingRestartOfEveryNotificator() throws Exception {
        scenario("rolling restart of 3 notificators", 1, 3, false, false, scaled(2, 5), stack -> {
            for (AppProcess old : List.copyOf(stack.notificators)) {
                stack.addNotificator();
                stack.notificators.remove(old);
                old.close(); // SIGTERM: deregisters, drains, exits
            }
        });
    }

    @Test
    @Order(3)
    void etcdRestartShorterThanTheTtl() throws Exception {
        scenario("etcd restart, down 1 s (< TTL 3 s)", 1, 2, true, false, scaled(4, 10), stack -> {
            stack.etcd.member(0).kill();
            Thread.sleep(1000);
            stack.etcd.member(0).start();
        });
    }

    @Test
    @Order(4)
    void etcdRestartLongerThanTheTtl() throws Exception {
        Duration down = scaled(5, 15);
        scenario("etcd restart, down " + down.toSeconds() + " s (> TTL 3 s)", 1, 2, true, false, scaled(6, 10),
                stack -> {
                    stack.etcd.member(0).kill();
                    Thread.sleep(down.toMillis());
                    stack.etcd.member(0).start();
                });
    }

    @Test
    @Order(5)
    void etcdLeaderKillInAThreeMemberCluster() throws Exception {
        scenario("etcd leader kill -9 (3 members)", 3, 2, true, false, scaled(5, 10), stack -> {
            Map<String, Long> leases = registrations(stack);
            EtcdMember leader = stack.etcd.leader();
            leader.kill();
            Thread.sleep(3000);
            leader.start();
            assertEquals(leases, registrations(stack), "a registration was lost: its lease changed");
        });
    }

    /**
     * The leader is cut off from its peers (iptables; not from its clients): the others elect a new one. A notificator
     * started meanwhile registers through the majority and is called; the watches on the cut-off member require a
     * leader, so they end and are made again on a member that has one.
     */
    @Test
    @Order(13)
    void etcdLeaderPartitioned() throws Exception {
        Duration cut = scaled(6, 15);
        scenario("etcd leader partitioned " + cut.toSeconds() + " s (3 members)", () -> EtcdCluster
                .startPartitionable(3), 2, true, false, scaled(3, 5), stack -> {
                    EtcdMember cutOff = stack.etcd.leader();
                    try (var partition = stack.etcd.isolate(cutOff)) {
                        long start = System.nanoTime();
                        AppProcess added = stack.startNotificator(FreePorts.next());
                        // jetcd spreads calls over every member, the cut-off one too: attempts to register and
                        // re-made watches meet it in turn and time out (2 s) or end (no leader, after about 3 s)
                        try {
                            await("the notificator started during the partition is called")
                                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                                    .until(() -> added.log().contains("Sent email "));
                        } catch (ConditionTimeoutException e) {
                            throw new AssertionError(e.getMessage() + "\n--- the new notificator:\n" + added.log()
                                    + "\n--- users:\n" + stack.users.logTail(), e);
                        }
                        System.out.printf("[chaos] partition: the new notificator was called %d ms after it was "
                                + "started%n", (System.nanoTime() - start) / 1_000_000);
                        Thread.sleep(Math.max(0, cut.toMillis() - (System.nanoTime() - start) / 1_000_000));
                    }
                    // The fault lasts until etcd is whole again: the member cut off answers its clients' requests
                    // only once it hears its leader, and its peer connections come back when TCP next retries them
                    // (their packets were dropped, not refused): up to seconds after the rules are gone, in which
                    // requests sent through it time out (4 such 503/504s after the first 201 of the healed cluster).
                    long healed = System.nanoTime();
                    cutOff.awaitHealthy(Duration.ofSeconds(30));
                    System.out.printf("[chaos] partition: the member cut off was healthy %d ms after the heal%n",
                            (System.nanoTime() - healed) / 1_000_000);
                });
    }

    @Test
    @Order(6)
    void notificatorAbsentThenBack() throws Exception {
        Duration absent = scaled(5, 30);
        scenario("notificator absent " + absent.toSeconds() + " s, then back", 1, 1, false, false, scaled(3, 5),
                stack -> {
                    stack.notificators.remove(0).close();
                    Thread.sleep(absent.toMillis());
                    stack.addNotificator();
                });
    }

    @Test
    @Order(7)
    void usersRestartWithPendingOutbox() throws Exception {
        scenario("users restart with a pending outbox", 1, 0, false, true, Duration.ZERO, stack -> {
            long pending = stack.count(Outbox.PREFIX);
            assertEquals(true, pending > 0, "the scenario needs pending welcome emails");
            stack.users.close();
            stack.addNotificator();
            stack.startUsers();
        });
    }

    /** etcd stalls (SIGSTOP): what was sent is answered 504 (unknown), what waited 503 (never stored). */
    @Test
    @Order(9)
    void etcdPausedUnderLoad() throws Exception {
        Duration paused = scaled(3, 6);
        scenario("etcd paused (SIGSTOP) " + paused.toSeconds() + " s", 1, 2, true, false, scaled(4, 10), stack -> {
            stack.etcd.member(0).pause();
            try {
                Thread.sleep(paused.toMillis());
            } finally {
                stack.etcd.member(0).resume();
            }
        });
    }

    /** 24 clients ask for a taken email again and again: each is told 409, and the load's creates go on as before. */
    @Test
    @Order(10)
    void clientsHammeringATakenEmail() throws Exception {
        Duration hammered = scaled(4, 10);
        scenario("24 clients hammer a taken email " + hammered.toSeconds() + " s", 1, 2, false, false,
                Duration.ofSeconds(1), stack -> {
                    String taken = "taken-" + stack.usersPort + "@example.com";
                    HttpResponse<String> first = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            stack.users().resolve("/create")).POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"email\": \"" + taken + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(201, first.statusCode(), first.body());
                    CreateLoad hammer = CreateLoad.hammer(stack.users(), 24, taken);
                    Thread.sleep(hammered.toMillis());
                    CreateLoad.Result refused = hammer.stop();
                    System.out.printf("[chaos] hammer: %s%n", refused);
                    assertEquals(refused.requests(), refused.failures(), "every hammer request refused");
                    assertTrue(refused.failuresByKind().keySet().stream().allMatch(kind -> kind.startsWith("409 ")),
                            refused.failuresByKind().toString());
                });
    }

    /** Two users replicas get the same emails at the same moment: one user each, one welcome email each. */
    @Test
    @Order(11)
    void twoUsersReplicasRacingOnTheSameEmails() throws Exception {
        try (Stack stack = new Stack(1, 2)) {
            int otherPort = FreePorts.next();
            try (AppProcess other = AppProcess.start("chaos-users-" + otherPort + "-1", USERS, Map.of(
                    "QUARKUS_ETCD_ENDPOINTS", stack.etcd.endpoints(), "QUARKUS_HTTP_PORT",
                            String.valueOf(otherPort)))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> other.log().contains("Listening on"));
                HttpClient http = HttpClient.newHttpClient();
                int emails = FULL ? 500 : 100;
                long created = 0;
                long conflicts = 0;
                long failures = 0;
                List<Long> latencies = new ArrayList<>();
                for (int i = 0; i < emails; i++) {
                    String body = "{\"email\": \"race-" + i + "-" + stack.usersPort + "@example.com\"}";
                    List<CompletableFuture<HttpResponse<String>>> both = new ArrayList<>();
                    long start = System.nanoTime();
                    for (int port : new int[] { stack.usersPort, otherPort }) {
                        both.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/create")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString()));
                    }
                    for (CompletableFuture<HttpResponse<String>> answer : both) {
                        int status = answer.get(10, TimeUnit.SECONDS).statusCode();
                        if (status == 201) {
                            created++;
                        } else if (status == 409) {
                            conflicts++;
                        } else {
                            failures++;
                        }
                    }
                    latencies.add((System.nanoTime() - start) / 1_000_000);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.count(Outbox.PREFIX) == 0);
                Map<String, Long> sentPerEmail = sentPerEmail(stack, "race-");
                long duplicates = sentPerEmail.values().stream().mapToLong(n -> n - 1).sum();
                long unsent = emails - sentPerEmail.size();
                Collections.sort(latencies);
                TABLE.add(String.format("| %-40s | %8d | %8d | %13d | %10d | %10d | %13d | %10d | %7d | %11d |",
                        "2 users replicas, same emails at once", 2L * emails, failures, 0, 0, emails - created,
                        unsent, duplicates, latencies.get(latencies.size() * 99 / 100), 0));

                assertEquals(emails, created, "exactly one user per email");
                assertEquals(emails, conflicts, "the other replica answers 409");
                assertEquals(0, failures);
                assertEquals(0, unsent, "every user got a welcome email");
                assertEquals(0, duplicates, "no welcome email sent twice");
            }
        }
    }

    /**
     * A users replica stopped (SIGTERM) while it creates users and sends their welcome emails, another replica beside
     * it: every request it had taken is answered, every user it created is welcomed once, by it or by the other
     * replica's outbox, never twice (the stopping replica's claims must outlive its sends and their records).
     */
    @Test
    @Order(12)
    void usersReplicaStoppedUnderLoad() throws Exception {
        try (Stack stack = new Stack(1, 3)) {
            int otherPort = FreePorts.next();
            try (AppProcess other = stack.startUsersOn(otherPort, 1)) {
                CreateLoad load = CreateLoad.start(stack.users(), 2 * CLIENTS);
                Thread.sleep(scaled(2, 5).toMillis());
                long stopping = System.nanoTime();
                stack.users.close(); // SIGTERM, and wait for the exit
                String stoppedLog = stack.users.log();
                CreateLoad.Result result = load.stop();

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> stack.count(Outbox.PREFIX) == 0);
                long cut = result.outcomes().stream()
                        .filter(outcome -> outcome.status() == -1 && outcome.startNanos() < stopping).count();
                long refused = result.outcomes().stream()
                        .filter(outcome -> outcome.status() == -1 && outcome.startNanos() >= stopping).count();
                // refused once it was stopping: 503, nothing stored; ask again (another replica)
                List<String> refusedWhileStopping = result.outcomes().stream()
                        .filter(outcome -> outcome.status() == 503 && outcome.endNanos() > stopping)
                        .map(CreateLoad.Outcome::email).toList();
                List<String> wrong = result.outcomes().stream()
                        .filter(outcome -> outcome.status() != 201 && outcome.status() != -1
                                && !(outcome.status() == 503 && outcome.endNanos() > stopping))
                        .map(outcome -> outcome.status() + " " + outcome.email()).toList();
                long storedAfter503 = refusedWhileStopping.stream()
                        .filter(email -> stack.etcd.get("/users/by-email/" + email).isPresent()).count();
                long unwelcomed = 0;
                for (CreateLoad.Outcome outcome : result.outcomes()) {
                    if (outcome.status() == 201 && !"sent".equals(JSON.readTree(stack.etcd
                            .get("/users/by-id/" + outcome.userId()).orElseThrow().getValue().toString(UTF_8))
                            .path("notification").path("state").asText())) {
                        unwelcomed++;
                    }
                }
                long duplicates = sentPerEmail(stack, "load-").values().stream().mapToLong(n -> n - 1).sum();
                TABLE.add(String.format("| %-40s | %8d | %8d | %13d | %10d | %10d | %13d | %10d | %7d | %11d |",
                        "users replica stopped under load", result.requests(), cut + wrong.size(),
                        refusedWhileStopping.size(), storedAfter503, 0, unwelcomed, duplicates, result.p99Millis(), 0));
                System.out.printf("[chaos] users stopped under load: %s; %d answered 503 while it stopped, %d not "
                        + "connected after the stop%n", result, refusedWhileStopping.size(), refused);

                assertEquals(List.of(), wrong, "every answer a 201, or a 503 once it was stopping");
                assertEquals(0, storedAfter503, "answered 503 (nothing stored) but stored");
                assertEquals(0, cut, "requests taken before the stop and never answered");
                assertEquals(0, unwelcomed, "users never welcomed");
                assertEquals(0, duplicates, "welcome emails sent twice; the stopped replica's log:\n"
                        + stoppedLog.lines().filter(line -> !line.contains(" INFO ")).limit(40)
                                .collect(Collectors.joining("\n")));
            }
        }
    }

    /**
     * A users replica stopped (SIGTERM) while etcd takes calls without answering them (SIGSTOP): its stop ends within
     * its bound all the same (every etcd call at shutdown has a deadline), each request it took is answered (503 or
     * 504 while etcd is paused), and once etcd is back the other replica sends every welcome email left pending.
     */
    @Test
    @Order(13)
    void usersReplicaStoppedWhileEtcdPaused() throws Exception {
        try (Stack stack = new Stack(1, 3); AppProcess other = stack.startUsersOn(FreePorts.next(), 1)) {
            CreateLoad load = CreateLoad.start(stack.users(), 2 * CLIENTS);
            Thread.sleep(scaled(2, 5).toMillis());
            long stopping;
            long stopMillis;
            long paused = System.nanoTime();
            stack.etcd.member(0).pause();
            try {
                Thread.sleep(300); // creates, sends and records now wait for etcd
                stopping = System.nanoTime();
                stack.users.terminate();
                stack.users.awaitExit(Duration.ofSeconds(60));
                stopMillis = (System.nanoTime() - stopping) / 1_000_000;
                Thread.sleep(scaled(1, 3).toMillis());
            } finally {
                stack.etcd.member(0).resume();
            }
            String stoppedLog = stack.users.log();
            CreateLoad.Result result = load.stop();

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.count(Outbox.PREFIX) == 0);
            long cut = result.outcomes().stream()
                    .filter(outcome -> outcome.status() == -1 && outcome.startNanos() < stopping).count();
            long excused = result.outcomes().stream()
                    .filter(outcome -> outcome.status() == 503 || outcome.status() == 504).count();
            List<String> wrong = result.outcomes().stream()
                    .filter(outcome -> outcome.status() != 201 && outcome.status() != 503 && outcome.status() != 504
                            && !(outcome.status() == -1 && outcome.startNanos() >= stopping))
                    .map(outcome -> outcome.status() + " " + outcome.email()).toList();
            long storedAfter503 = result.outcomes().stream().filter(outcome -> outcome.status() == 503)
                    .filter(outcome -> stack.etcd.get("/users/by-email/" + outcome.email()).isPresent()).count();
            long lostUsers = 0;
            long unwelcomed = 0;
            for (CreateLoad.Outcome outcome : result.outcomes()) {
                if (outcome.status() == 201) {
                    var kv = stack.etcd.get("/users/by-id/" + outcome.userId());
                    if (kv.isEmpty()) {
                        lostUsers++;
                    } else if (!"sent".equals(JSON.readTree(kv.get().getValue().toString(UTF_8))
                            .path("notification").path("state").asText())) {
                        unwelcomed++;
                    }
                }
            }
            long duplicates = sentPerEmail(stack, "load-").values().stream().mapToLong(n -> n - 1).sum();
            long lastFelt = result.outcomes().stream().filter(outcome -> outcome.status() != 201 || outcome.pending())
                    .mapToLong(CreateLoad.Outcome::endNanos).max().orElse(paused);
            TABLE.add(String.format("| %-40s | %8d | %8d | %13d | %10d | %10d | %13d | %10d | %7d | %11d |",
                    "users stopped while etcd paused", result.requests(), cut + wrong.size(), excused,
                    storedAfter503, lostUsers, unwelcomed, duplicates, result.p99Millis(),
                    Math.max(0, lastFelt - paused) / 1_000_000));
            System.out.printf("[chaos] users stopped while etcd paused: %s; stopped in %d ms%n", result, stopMillis);

            assertEquals(List.of(), wrong, "every answer a 201, a 503 or a 504");
            assertEquals(0, cut, "requests taken before the stop and never answered; its log:\n" + stoppedLog.lines()
                    .filter(line -> !line.contains(" INFO ")).limit(40).collect(Collectors.joining("\n")));
            assertEquals(0, storedAfter503, "answered 503 (nothing stored) but stored");
            assertEquals(0, lostUsers, "users answered 201 but not stored");
            assertEquals(0, unwelcomed, "users never welcomed");
            assertEquals(0, duplicates, "welcome emails sent twice");
            // quarkus.shutdown.timeout (10 s) bounds the wait for requests; the drain and the lease's revoke follow
            assertTrue(stopMillis < 20_000, "stopped in " + stopMillis + " ms; its log:\n" + stoppedLog.lines()
                    .filter(line -> !line.contains(" DEBUG ")).skip(Math.max(0, stoppedLog.lines().count() - 30))
                    .collect(Collectors.joining("\n")));
        }
    }

    /** How often each email whose address starts with {@code prefix} was sent, from every notificator's log. */
    private static Map<String, Long> sentPerEmail(Stack stack, String prefix) {
        Map<String, Long> sent = new HashMap<>();
        for (AppProcess notificator : stack.everyNotificator) {
            notificator.log().lines().filter(line -> line.contains("Sent email ") && line.contains(" to " + prefix))
                    .map(line -> line.substring(line.lastIndexOf(" to ") + 4).trim())
                    .forEach(email -> sent.merge(email, 1L, Long::sum));
        }
        return sent;
    }

    /** The notificators' keys and the leases that hold them. */
    private static Map<String, Long> registrations(Stack stack) throws Exception {
        return stack.etcd.client().getKVClient().get(ByteSequence.from("/services/notificator/", UTF_8),
                GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getKvs().stream()
                .collect(Collectors.toMap(kv -> kv.getKey().toString(UTF_8), kv -> kv.getLease()));
    }

    @AfterAll
    static void printTable() {
        System.out.println("[chaos] " + (FULL ? "full" : "short") + " suite, " + CLIENTS + " clients of POST /create");
        System.out.println("| scenario                                 | requests | failures | 503/504 etcd  "
                + "| 503 stored | lost users | lost notific. | duplicates | p99 ms | recovery ms |");
        System.out.println("|------------------------------------------|---------:|---------:|--------------:"
                + "|-----------:|-----------:|--------------:|-----------:|-------:|------------:|");
        TABLE.forEach(System.out::println);
    }
}
