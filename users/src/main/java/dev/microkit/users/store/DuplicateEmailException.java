package dev.microkit.users.store;

/** A user with this email (compared case-insensitively) exists already. */
public class DuplicateEmailException extends RuntimeException {

    public DuplicateEmailException(String email) {
        super("a user with email " + email + " exists already");
    }
}
