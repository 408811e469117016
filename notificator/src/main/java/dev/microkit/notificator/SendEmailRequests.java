package dev.microkit.notificator;

import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import dev.microkit.proto.SendEmailRequest;

/**
 * Checks a SendEmail request with Hibernate Validator, so the rules live in annotations, not in code. The content is
 * bounded by the server's message size limit ({@code quarkus.grpc.server.max-inbound-message-size}).
 */
@ApplicationScoped
public class SendEmailRequests {

    /** The rules; 254 characters is the longest address SMTP can carry (RFC 5321). */
    static final class Checked {
        @NotBlank(message = "email must not be blank")
        @Size(max = 254, message = "email must be at most 254 characters")
        @Email(message = "email must be a well-formed address")
        final String email;

        /** Remembered for a while and logged: short, printable, no line breaks. */
        @Size(max = 128, message = "idempotency_key must be at most 128 characters")
        @Pattern(regexp = "[\\x21-\\x7E]*", message = "idempotency_key must be printable ASCII without spaces")
        final String idempotencyKey;

        Checked(SendEmailRequest request) {
            this.email = request.getEmail();
            this.idempotencyKey = request.getIdempotencyKey();
        }
    }

    private final Validator validator;

    @Inject
    SendEmailRequests(Validator validator) {
        this.validator = validator;
    }

    /** @return what is wrong with {@code request}, or {@code null} when it can be sent */
    public String problemWith(SendEmailRequest request) {
        Set<ConstraintViolation<Checked>> violations = validator.validate(new Checked(request));
        if (violations.isEmpty()) {
            return null;
        }
        return violations.stream().map(ConstraintViolation::getMessage).sorted().collect(Collectors.joining("; "));
    }
}
