package dev.microkit.users.store;

/** More creates wait for etcd than {@code store.create-queue} allows: this one was refused at once, nothing stored. */
public class CreateQueueFullException extends RuntimeException {

    public CreateQueueFullException(int limit) {
        super("too many users are being created at once (" + limit + " waiting for etcd): nothing was stored, "
                + "ask again shortly", null, false, false);
    }
}
