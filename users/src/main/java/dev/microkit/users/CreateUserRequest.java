package dev.microkit.users;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /create}. 254 characters is the longest address SMTP can carry (RFC 5321). Addresses are
 * printable ASCII only: Unicode lets one address look like another ({@code \u0430nn@} with a Cyrillic a, zero-width
 * and direction characters), so internationalized domains are taken in their ASCII ({@code xn--}) form and
 * non-ASCII local parts are refused.
 */
public record CreateUserRequest(
        @NotBlank(message = "email is required")
        @Size(max = 254, message = "email must be at most 254 characters")
        @Pattern(regexp = "[\\x21-\\x7E]*", message = "email must be printable ASCII without spaces "
                + "(an internationalized domain in its xn-- form)")
        @Email(message = "email must be a well-formed address")
        String email) {
}
