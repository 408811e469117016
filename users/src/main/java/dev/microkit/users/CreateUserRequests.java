package dev.microkit.users;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/**
 * Reads a {@code POST /create} body as JSON whatever its Content-Type says (the seed's curl line sends JSON as
 * {@code application/x-www-form-urlencoded}), and checks it with Hibernate Validator. Every problem becomes a 400 that
 * says what is wrong.
 */
@ApplicationScoped
public class CreateUserRequests {

    static final int MAX_BODY_BYTES = 64 * 1024;

    private static final String EXAMPLE = "the body must be a JSON object such as {\"email\": \"ann@example.com\"}";

    /** Strict: a field given twice or anything after the object is an error, not a guess at what was meant. */
    private final ObjectReader json;
    private final Validator validator;

    @Inject
    CreateUserRequests(ObjectMapper json, Validator validator) {
        this.json = json.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.validator = validator;
    }

    CreateUserRequest parse(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest(EXAMPLE);
        }
        if (body.length() > MAX_BODY_BYTES || body.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + withoutLocation(e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest(EXAMPLE);
        }
        node.fieldNames().forEachRemaining(field -> {
            if (!field.equals("email")) {
                throw ApiException.badRequest("unknown field " + Printable.quote(field, 40)
                        + ": the body takes only \"email\"");
            }
        });
        JsonNode email = node.path("email");
        if (!email.isMissingNode() && !email.isNull() && !email.isTextual()) {
            throw ApiException.badRequest("email must be a string");
        }
        CreateUserRequest request = new CreateUserRequest(email.isTextual() ? email.textValue() : null);
        String problems = validator.validate(request).stream().map(ConstraintViolation::getMessage).sorted()
                .collect(Collectors.joining("; "));
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
        return request;
    }

    static ApiException tooLarge() {
        return new ApiException(Response.Status.REQUEST_ENTITY_TOO_LARGE,
                "the body is larger than " + MAX_BODY_BYTES / 1024 + " KiB");
    }

    /** Jackson's messages go on about where the input came from and which parser feature would allow it. */
    private static String withoutLocation(String message) {
        int end = message.length();
        for (String tail : new String[] { " (start marker at", "\n at [Source", ": enable `", " (not recognized as",
                " (bound as `" }) {
            int at = message.indexOf(tail);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return message.substring(0, end);
    }
}
