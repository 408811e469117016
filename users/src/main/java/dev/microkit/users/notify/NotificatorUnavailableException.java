package dev.microkit.users.notify;

/** No notificator instance took the call within the deadline: none listed, none reachable, or none answered. */
public class NotificatorUnavailableException extends RuntimeException {

    public NotificatorUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
