package dev.microkit.users;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** The body of {@code POST /create}. 254 characters is the longest address SMTP can carry (RFC 5321). */
public record CreateUserRequest(
        @NotBlank(message = "email is required")
        @Size(max = 254, message = "email must be at most 254 characters")
        @Email(message = "email must be a well-formed address")
        String email) {
}
