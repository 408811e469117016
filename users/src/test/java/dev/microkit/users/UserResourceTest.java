package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import dev.microkit.users.testing.Outbox;
import io.etcd.jetcd.ByteSequence;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** POST /create and GET /users/{id} against a real etcd and a real notificator process. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class UserResourceTest {

    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static AppProcess notificator;

    @InjectEtcd
    EtcdCluster etcd;

    @TestHTTPResource("/")
    URL users;

    @BeforeEach
    void startNotificator() {
        if (notificator == null) {
            notificator = Notificators.startRegistered(etcd);
        }
    }

    @AfterAll
    static void stopNotificator() {
        notificator.close();
    }

    private static String uniqueEmail() {
        return "u" + UUID.randomUUID() + "@example.com";
    }

    private static String body(String email) {
        return "{\"email\": \"" + email + "\"}";
    }

    /** The seed's line: curl -XPOST http://localhost:8802/create -d '{"email": "..."}' sends this Content-Type. */
    @Test
    void createsAUserFromTheSeedsCurlLineAndWelcomesThem() {
        String email = uniqueEmail();
        Response created = given().contentType("application/x-www-form-urlencoded").body(body(email))
                .post("/create");

        created.then().statusCode(201)
                .header("Location", matchesPattern(".*/users/" + UUID_PATTERN))
                .body("id", matchesPattern(UUID_PATTERN))
                .body("email", equalTo(email))
                .body("notificationId", matchesPattern(UUID_PATTERN));
        String id = created.path("id");
        assertTrue(notificator.log().contains("Sent email " + created.path("notificationId") + " to " + email),
                "the notificator did not log the email:\n" + notificator.logTail());

        // recorded in etcd in a batch, shortly after the answer (outbox.record-delay)
        String location = URI.create(created.header("Location")).getPath();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> given()
                .get(location).then().body("notification.state", equalTo("sent")));
        given().get(location).then().statusCode(200)
                .body("id", equalTo(id))
                .body("email", equalTo(email))
                .body("createdAt", containsString("T"))
                .body("notification.state", equalTo("sent"))
                .body("notification.id", equalTo(created.path("notificationId")))
                .body("notification.sentAt", containsString("T"));
        assertTrue(Outbox.entryOf(etcd, id).isEmpty(), "the outbox entry of a sent email is gone");
        assertTrue(etcd.get("/users/outbox-claims/" + id).isEmpty(), "the claim of a sent email is gone");
    }

    @Test
    void createsAUserFromABodyWithNoContentTypeAtAll() throws Exception {
        String email = uniqueEmail();
        HttpRequest request = HttpRequest.newBuilder(users.toURI().resolve("/create"))
                .POST(HttpRequest.BodyPublishers.ofString(body(email))).build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertEquals(201, response.statusCode(), response.body());
        assertEquals(email, new ObjectMapper().readTree(response.body()).get("email").textValue());
    }

    @Test
    void createsAUserFromJson() {
        given().contentType("application/json").body(body(uniqueEmail())).post("/create").then().statusCode(201);
    }

    @Test
    void refusesAnEmailTakenInAnyCase() {
        String email = uniqueEmail();
        given().body(body(email)).post("/create").then().statusCode(201);

        given().body(body(email.toUpperCase())).post("/create").then().statusCode(409)
                .body("error", equalTo("a user with email " + email.toUpperCase() + " exists already"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"email\": |the body is not valid JSON: Unexpected end-of-input within/between Object entries",
            "{\"email\": 5}|email must be a string",
            "{\"email\": [\"a@example.com\"]}|email must be a string",
            "{\"name\": \"ann\"}|unknown field \"name\": the body takes only \"email\"",
            "{\"email\": null}|email is required",
            "{}|email is required",
            "[]|the body must be a JSON object such as {\"email\": \"ann@example.com\"}",
            "\"ann@example.com\"|the body must be a JSON object such as {\"email\": \"ann@example.com\"}",
            "{\"email\": \"test\"}|email must be a well-formed address",
            "{\"email\": \"\"}|email is required",
            "{\"email\": \" \"}|email is required; email must be a well-formed address; email must be printable ASCII "
                    + "without spaces (an internationalized domain in its xn-- form)",
    })
    void answers400WithWhatIsWrong(String body, String error) {
        Map<String, Object> answer = given().body(body).post("/create").then().statusCode(400).extract().as(Map.class);

        assertEquals(Map.of("error", error), answer);
    }

    @Test
    void answers400ToAnEmptyBody() {
        given().post("/create").then().statusCode(400)
                .body("error", equalTo("the body must be a JSON object such as {\"email\": \"ann@example.com\"}"));
    }

    @Test
    void answers400ToATooLongEmail() {
        String email = "a".repeat(64) + "@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(62) + ".com";

        given().body(body(email)).post("/create").then().statusCode(400)
                .body("error", equalTo("email must be at most 254 characters"));
    }

    @Test
    void answers413ToABodyOver64KiB() {
        String padding = "x".repeat(64 * 1024);
        given().body("{\"email\": \"a@example.com\", \"pad\": \"" + padding + "\"}").post("/create").then()
                .statusCode(413).body("error", equalTo("the body is larger than 64 KiB"));
    }

    @Test
    void answers404ForAnUnknownUserAnd400ForAnIdThatIsNoUuid() {
        String id = UUID.randomUUID().toString();
        given().get("/users/" + id).then().statusCode(404).body("error", equalTo("no user with id " + id));
        given().get("/users/not-an-id").then().statusCode(400).body("error", equalTo(
                "the id must be a UUID such as 0b9cf5c0-2d4e-4f3a-9a4e-6f1d2c3b4a59, as POST /create answers"));
    }

    @Test
    void answersJsonErrorsForUnknownPathsAndMethods() {
        given().get("/nothing-here").then().statusCode(404).body("error", equalTo("Not Found"));
        given().get("/create").then().statusCode(405).body("error", equalTo("Method Not Allowed"));
    }

    @Test
    void readinessReportsEtcdAndTheKnownNotificators() {
        given().body(body(uniqueEmail())).post("/create").then().statusCode(201);

        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'etcd' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'notificator-instances' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'notificator-instances' }.data.instances", equalTo(1));
    }

    @Test
    void dropsAnOutboxEntryWhoseUserIsGone() throws Exception {
        String id = UUID.randomUUID().toString();
        String key = Outbox.PREFIX + "1767225600000/" + id; // due 2026-01-01
        put(key, "{\"userId\":\"" + id + "\",\"email\":\"gone@example.com\","
                + "\"attempts\":0,\"nextAttemptAt\":\"2026-01-01T00:00:00Z\"}");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> etcd.get(key).isEmpty() && etcd.get("/users/outbox-claims/" + id).isEmpty());
        assertFalse(notificator.log().contains("gone@example.com"), "nobody to welcome, nothing sent");
    }

    /** A user stored by a version before 2026-12-07, whose outbox entry is {@code /users/outbox/<id>}: still sent. */
    @Test
    void sendsAPendingEmailOfTheEarlierOutboxLayout() throws Exception {
        String id = UUID.randomUUID().toString();
        String email = "earlier-" + id + "@example.com";
        put("/users/by-email/" + email, id);
        put("/users/by-id/" + id, "{\"id\":\"" + id + "\",\"email\":\"" + email + "\",\"createdAt\":"
                + "\"2026-12-06T10:00:00Z\",\"notification\":{\"state\":\"pending\"}}");
        put("/users/outbox/" + id, "{\"userId\":\"" + id + "\",\"email\":\"" + email + "\",\"attempts\":2,"
                + "\"nextAttemptAt\":\"2026-12-06T10:00:04Z\"}");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/users/" + id).then()
                .body("notification.state", equalTo("sent")));
        assertTrue(etcd.get("/users/outbox/" + id).isEmpty(), "moved from the earlier layout");
        await().atMost(Duration.ofSeconds(5)).until(() -> Outbox.entryOf(etcd, id).isEmpty());
        assertEquals(1, notificator.log().lines().filter(line -> line.contains(" to " + email)).count(),
                notificator.logTail());
    }

    @Test
    void skipsAnUnreadableOutboxEntryAndKeepsSending() throws Exception {
        String key = Outbox.PREFIX + "1767225600000/" + UUID.randomUUID();
        String earlierKey = "/users/outbox/" + UUID.randomUUID();
        String misplaced = Outbox.PREFIX + "1767225600000/" + UUID.randomUUID();
        put(key, "not json");
        put(earlierKey, "{\"userId\": 3}");
        // readable, but not under its own due time and id
        put(misplaced, "{\"userId\":\"someone-else\",\"email\":\"m@example.com\",\"attempts\":0,"
                + "\"nextAttemptAt\":\"2026-01-01T00:00:00Z\"}");
        Thread.sleep(1500); // at least one dispatcher poll lists them

        given().body(body(uniqueEmail())).post("/create").then().statusCode(201)
                .body("notificationId", matchesPattern(UUID_PATTERN));
        assertTrue(etcd.get(key).isPresent(), "an unreadable entry is skipped, not deleted");
        assertTrue(etcd.get(earlierKey).isPresent(), "an unreadable entry of the earlier layout stays where it is");
        assertTrue(etcd.get(misplaced).isPresent(), "a misplaced entry is skipped, not deleted");
        assertFalse(notificator.log().contains("m@example.com"), "a misplaced entry is not sent");
    }

    private void put(String key, String value) throws Exception {
        etcd.client().getKVClient().put(ByteSequence.from(key, UTF_8), ByteSequence.from(value, UTF_8))
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void publishesOpenApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/create'.post.responses.'201'.description", startsWith(
                        "created and welcomed; Location names the user. With an Idempotency-Key used before"))
                .body("paths.'/create'.post.responses.'422'.description",
                        equalTo("the Idempotency-Key was used before with another body"))
                .body("paths.'/create'.post.parameters.find { it.name == 'Idempotency-Key' }.in", equalTo("header"));
    }

    /** IETF draft-ietf-httpapi-idempotency-key-header: a retry is answered the same user; a reused key, 422. */
    @Test
    void aRetryWithTheSameIdempotencyKeyIsAnsweredTheSameUser() {
        String email = uniqueEmail();
        String key = UUID.randomUUID().toString();
        Response first = given().header("Idempotency-Key", key).body(body(email)).post("/create");
        first.then().statusCode(201).body("notificationId", matchesPattern(UUID_PATTERN));
        String id = first.path("id");

        // bare or as a Structured Field string, the same key
        Response again = given().header("Idempotency-Key", "\"" + key + "\"").body(body(email)).post("/create");
        again.then().statusCode(201).header("Location", endsWith("/users/" + id)).body("id", equalTo(id))
                .body("email", equalTo(email));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().header("Idempotency-Key", key)
                .body(body(email)).post("/create").then().statusCode(201)
                .body("notificationId", equalTo(first.path("notificationId"))));
        assertEquals(1, notificator.log().lines().filter(line -> line.contains(" to " + email)).count(),
                "one welcome email:\n" + notificator.logTail());

        given().header("Idempotency-Key", key).body(body(uniqueEmail())).post("/create").then().statusCode(422)
                .body("error", equalTo("this Idempotency-Key was used before with another body: use a new key for a "
                        + "new request"));
        given().header("Idempotency-Key", "a key with spaces").body(body(uniqueEmail())).post("/create").then()
                .statusCode(400).body("error", containsString("Idempotency-Key"));
        given().header("Idempotency-Key", "k".repeat(256)).body(body(uniqueEmail())).post("/create").then()
                .statusCode(400);
    }
}
