package dev.microkit.users;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a {@code POST /create} body as JSON whatever its Content-Type says (the seed's curl line sends JSON as
 * {@code application/x-www-form-urlencoded}), and checks it with Hibernate Validator. Every problem becomes a 400 that
 * says what is wrong.
 */
@ApplicationScoped
public class CreateUserRequests {

    static final int MAX_BODY_BYTES = 64 * 1024;

    private final ObjectMapper json;
    private final Validator validator;

    @Inject
    CreateUserRequests(ObjectMapper json, Validator validator) {
        this.json = json;
        this.validator = validator;
    }

    CreateUserRequest parse(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("the body must be a JSON object such as {\"email\": \"ann@example.com\"}");
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw ApiException.badRequest("the body is larger than " + MAX_BODY_BYTES / 1024 + " KiB");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object such as {\"email\": \"ann@example.com\"}");
        }
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
}
