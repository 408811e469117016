package dev.microkit.users;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every input treated as hostile: a table of bad requests to {@code POST /create} and {@code GET /users/{id}}. Each
 * must get its 4xx with a JSON {@code {"error": ...}} body and no stack trace, store nothing, and leave the service
 * serving. Sent with the JDK's HTTP client, byte for byte, so that nothing is cleaned up on the way.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class HostileInputTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @InjectEtcd
    EtcdCluster etcd;

    @TestHTTPResource("/")
    URL users;

    /**
     * One bad request: {@code body} null means GET {@code path}, otherwise POST it to {@code /create}. {@code json}:
     * the answer has a JSON error body (all but what the HTTP codec refuses before any handler runs).
     */
    record Case(String name, String path, byte[] body, int status, boolean json) {
        static Case create(String name, String body, int status) {
            return new Case(name, "create", body.getBytes(UTF_8), status, true);
        }

        static Case create(String name, byte[] body, int status) {
            return new Case(name, "create", body, status, true);
        }

        static Case get(String name, String path, int status) {
            return new Case(name, path, null, status, true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        String longLocal = "a".repeat(250) + "@example.com";
        return List.of(
                Case.create("empty body", "", 400),
                Case.create("blank body", " \n\t ", 400),
                Case.create("JSON null", "null", 400),
                Case.create("JSON array", "[]", 400),
                Case.create("array of the right object", "[{\"email\": \"ann@example.com\"}]", 400),
                Case.create("bare JSON string", "\"ann@example.com\"", 400),
                Case.create("bare number", "42", 400),
                Case.create("truncated object", "{", 400),
                Case.create("truncated after the value", "{\"email\": \"ann@example.com\"", 400),
                Case.create("truncated inside the string", "{\"email\": \"ann@exa", 400),
                Case.create("trailing garbage", "{\"email\": \"ann@example.com\"} {\"email\": \"bob@example.com\"}",
                        400),
                Case.create("form encoding", "email=ann%40example.com", 400),
                Case.create("comments", "{/* hi */ \"email\": \"ann@example.com\"}", 400),
                Case.create("single quotes", "{'email': 'ann@example.com'}", 400),
                Case.create("empty object", "{}", 400),
                Case.create("misspelt field", "{\"emial\": \"ann@example.com\"}", 400),
                Case.create("extra field", "{\"email\": \"ann@example.com\", \"admin\": true}", 400),
                Case.create("duplicate field", "{\"email\": \"ann@example.com\", \"email\": \"eve@example.com\"}",
                        400),
                Case.create("email null", "{\"email\": null}", 400),
                Case.create("email number", "{\"email\": 42}", 400),
                Case.create("email huge number", "{\"email\": 1e999999}", 400),
                Case.create("email NaN", "{\"email\": NaN}", 400),
                Case.create("email boolean", "{\"email\": true}", 400),
                Case.create("email array", "{\"email\": [\"ann@example.com\"]}", 400),
                Case.create("email object", "{\"email\": {\"address\": \"ann@example.com\"}}", 400),
                Case.create("email empty", "{\"email\": \"\"}", 400),
                Case.create("email blank", "{\"email\": \"   \"}", 400),
                Case.create("email without @", "{\"email\": \"ann.example.com\"}", 400),
                Case.create("email with two @", "{\"email\": \"ann@bob@example.com\"}", 400),
                Case.create("email over 254 characters", "{\"email\": \"" + longLocal + "\"}", 400),
                Case.create("email of 100 KiB", "{\"email\": \"" + "a".repeat(100 * 1024) + "@example.com\"}", 413),
                Case.create("body of 1 MiB", "{\"email\": \"ann@example.com\", \"pad\": \""
                        + "x".repeat(1024 * 1024) + "\"}", 413),
                Case.create("nested 10,000 deep", "[".repeat(10_000) + "]".repeat(10_000), 400),
                Case.create("email nested 500 deep", "{\"email\": " + "{\"a\": ".repeat(500) + "1"
                        + "}".repeat(500) + "}", 400),
                Case.create("NUL in email", "{\"email\": \"ann\\u0000@example.com\"}", 400),
                Case.create("header injection", "{\"email\": \"ann@example.com\\r\\nBcc: all@example.com\"}", 400),
                Case.create("tab in email", "{\"email\": \"ann\\t@example.com\"}", 400),
                Case.create("Cyrillic look-alike", "{\"email\": \"\u0430nn@example.com\"}", 400),
                Case.create("fullwidth at sign", "{\"email\": \"ann\uFF20example.com\"}", 400),
                Case.create("zero-width space", "{\"email\": \"ann\u200B@example.com\"}", 400),
                Case.create("right-to-left override", "{\"email\": \"ann\u202E@example.com\"}", 400),
                Case.create("look-alike domain", "{\"email\": \"ann@\u0435xample.com\"}", 400),
                Case.create("SQL fragment", "{\"email\": \"ann@example.com'; DROP TABLE users;--\"}", 400),
                Case.create("SQL tautology", "{\"email\": \"' OR '1'='1\"}", 400),
                Case.create("script tag", "{\"email\": \"<script>alert(1)</script>@example.com\"}", 400),
                Case.create("invalid UTF-8", new byte[] { '{', '"', 'e', 'm', 'a', 'i', 'l', '"', ':', '"',
                        (byte) 0xC3, (byte) 0x28, '@', 'x', '.', 'y', '"', '}' }, 400),
                Case.get("path traversal", "users/..%2F..%2Fetc%2Fpasswd", 400),
                Case.get("dot segments", "users/%2e%2e", 404), // normalized to /: nothing there
                Case.get("NUL in id", "users/%00", 400),
                Case.get("SQL in id", "users/1%27%20OR%20%271%27=%271", 400),
                Case.get("script in id", "users/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400),
                Case.get("id of 2,000 characters", "users/" + "a".repeat(2_000), 400),
                // over Vert.x's 4 KiB request line the HTTP codec answers 414 itself, without a body
                new Case("request line over 4 KiB", "users/" + "a".repeat(10_000), null, 414, false),
                Case.get("upper-case unknown UUID", "users/0A1B2C3D-0000-4000-8000-000000000000", 404),
                Case.get("well-formed unknown id", "users/00000000-0000-4000-8000-000000000000", 404));
    }

    @Test
    void everyBadRequestGetsItsClientErrorInJsonStoresNothingAndTheServiceStaysUp() throws Exception {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 30, "at least 30 cases");
        long before = count("/users/by-"); // users and email index; the outbox moves with earlier tests' emails
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            HttpResponse<String> response = send(c);
            String body = response.body();
            String problem = null;
            if (response.statusCode() != c.status()) {
                problem = "status " + response.statusCode() + ", expected " + c.status();
            } else if (!c.json()) {
                problem = body.isEmpty() ? null : "a body from the codec: " + body;
            } else if (!response.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
                problem = "content type " + response.headers().firstValue("content-type");
            } else if (body.contains("Exception") || body.contains("\tat ") || body.contains("dev.microkit")) {
                problem = "a stack trace or class name in the body";
            } else {
                JsonNode error = JSON.readTree(body).path("error");
                if (!error.isTextual() || error.textValue().isBlank()) {
                    problem = "no {\"error\": \"...\"}";
                }
            }
            System.out.printf("[hostile] %-28s -> %d %s%n", c.name(), response.statusCode(),
                    body.length() > 140 ? body.substring(0, 140) + "..." : body);
            if (problem != null) {
                failures.add(c.name() + ": " + problem + ": " + body);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(before, count("/users/by-"), "nothing was stored");
        HttpResponse<String> live = HTTP.send(HttpRequest.newBuilder(users.toURI().resolve("q/health/live"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
        HttpResponse<String> good = HTTP.send(HttpRequest.newBuilder(users.toURI().resolve("create"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"after-the-table@example.com\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, good.statusCode(), "a good request still works: " + good.body());
    }

    private HttpResponse<String> send(Case c) throws Exception {
        URI uri = URI.create(users.toString() + c.path());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (c.body() != null) {
            request.POST(HttpRequest.BodyPublishers.ofByteArray(c.body()));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private long count(String prefix) throws Exception {
        return etcd.client().getKVClient().get(ByteSequence.from(prefix, UTF_8),
                GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(5, TimeUnit.SECONDS).getCount();
    }
}
