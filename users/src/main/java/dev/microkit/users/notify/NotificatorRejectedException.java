package dev.microkit.users.notify;

/** A notificator answered, with an error that another attempt would not change. */
public class NotificatorRejectedException extends RuntimeException {

    public NotificatorRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
