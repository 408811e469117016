package dev.microkit.stork.etcd;

import java.util.concurrent.Executor;

import io.etcd.jetcd.Watch;

/**
 * The current watcher of a watch that is started again whenever it breaks, until the watch ends. jetcd takes a lock of
 * its own to close a watcher and calls back while holding it, so watchers are closed outside this slot's lock, by the
 * executor the caller gives: a worker thread when the caller may be in a jetcd callback.
 */
public final class WatcherSlot {

    /** Guarded by this. */
    private Watch.Watcher watcher;
    /** Guarded by this. */
    private boolean ended;

    /** Keeps {@code started} as the current watcher; false when the watch ended meanwhile: the caller closes it. */
    public synchronized boolean keep(Watch.Watcher started) {
        if (ended) {
            return false;
        }
        watcher = started;
        return true;
    }

    /**
     * Closes the current watcher (if any) before a new one is started; false when the watch ended: then nothing is to
     * be started again.
     */
    public boolean closeCurrent(Executor closer) {
        Watch.Watcher old;
        synchronized (this) {
            if (ended) {
                return false;
            }
            old = watcher;
            watcher = null;
        }
        close(old, closer);
        return true;
    }

    /** Ends the watch: the current watcher is closed and no other is kept. */
    public void end(Executor closer) {
        Watch.Watcher old;
        synchronized (this) {
            ended = true;
            old = watcher;
            watcher = null;
        }
        close(old, closer);
    }

    public synchronized boolean ended() {
        return ended;
    }

    private static void close(Watch.Watcher old, Executor closer) {
        if (old != null) {
            closer.execute(old::close);
        }
    }
}
