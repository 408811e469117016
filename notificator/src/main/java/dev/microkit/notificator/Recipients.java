package dev.microkit.notificator;

import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Checks recipient addresses with Hibernate Validator, so the rules live in annotations, not in code. */
@ApplicationScoped
public class Recipients {

    /** The rules an email address must meet; 254 characters is the longest address SMTP can carry (RFC 5321). */
    static final class Recipient {
        @NotBlank(message = "email must not be blank")
        @Size(max = 254, message = "email must be at most 254 characters")
        @Email(message = "email must be a well-formed address")
        final String email;

        Recipient(String email) {
            this.email = email;
        }
    }

    private final Validator validator;

    @Inject
    Recipients(Validator validator) {
        this.validator = validator;
    }

    /** @return what is wrong with {@code email}, or {@code null} when it is a valid recipient */
    public String problemWith(String email) {
        Set<ConstraintViolation<Recipient>> violations = validator.validate(new Recipient(email));
        if (violations.isEmpty()) {
            return null;
        }
        return violations.stream().map(ConstraintViolation::getMessage).sorted().collect(Collectors.joining("; "));
    }
}
