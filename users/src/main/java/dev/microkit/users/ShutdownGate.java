package dev.microkit.users;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;

/**
 * Closes {@code POST /create} when the replica begins to stop: Quarkus' graceful shutdown waits for the requests in
 * progress but keeps taking new ones (with {@code Connection: close}), so under a steady load it never drains, times
 * out, and cuts the requests then in progress (a user stored, its email sent, nothing answered or recorded). New
 * creates are refused instead with 503 and {@code Retry-After}: nothing stored, ask again (another replica).
 */
@ApplicationScoped
public class ShutdownGate {

    private static final Logger LOG = Logger.getLogger(ShutdownGate.class);

    private volatile boolean closed;

    /** Fired first at shutdown, before the HTTP server waits for its requests ({@code quarkus.shutdown.delay-enabled}). */
    void close(@Observes ShutdownDelayInitiatedEvent event) {
        closed = true;
        LOG.info("Stopping: new creates are refused with 503 and Retry-After, those in progress are answered");
    }

    /** @throws StoppingException once the replica is stopping */
    public void checkOpen() {
        if (closed) {
            throw new StoppingException();
        }
    }

    /** A create refused because this replica is stopping: nothing was stored. */
    public static final class StoppingException extends RuntimeException {
        StoppingException() {
            super("this users replica is stopping: nothing was stored, ask again", null, false, false);
        }
    }
}
