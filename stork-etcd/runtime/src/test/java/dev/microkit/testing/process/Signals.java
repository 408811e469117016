package dev.microkit.testing.process;

import java.io.IOException;
import java.io.UncheckedIOException;

/** POSIX signals Java cannot send itself (SIGSTOP, SIGCONT), through {@code kill}. */
public final class Signals {

    private Signals() {
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, ...) to {@code process}. */
    public static void send(Process process, String signal) {
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start()
                    .waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
