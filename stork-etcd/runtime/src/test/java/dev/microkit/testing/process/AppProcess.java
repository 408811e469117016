package dev.microkit.testing.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged Quarkus application (its {@link Artifact}: the jar, or the native executable), or a foreign program, run
 * as a child process, as it runs in production: it can be stopped with SIGTERM or killed with SIGKILL. Its output goes
 * to {@code target/process-logs/<name>.log}.
 */
public final class AppProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    /** Guarded by this. */
    private boolean terminated;
    private final long startedNanos;

    private AppProcess(String name, Process process, Path log, long startedNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /** Starts the artifact with the current environment plus {@code env}. */
    public static AppProcess start(String name, Artifact artifact, Map<String, String> env) {
        return start(name, artifact.command(), env);
    }

    /** Starts any program the same way: a foreign client or server that a test runs beside ours. */
    public static AppProcess start(String name, List<String> command, Map<String, String> env) {
        Path log = Path.of("target", "process-logs", name + ".log");
        try {
            Files.createDirectories(log.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putAll(env);
        long started = System.nanoTime();
        try {
            return new AppProcess(name, builder.start(), log, started);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /**
     * Config properties as the environment variables that set them, e.g. {@code quarkus.etcd.tls.ca-file} as
     * {@code QUARKUS_ETCD_TLS_CA_FILE}.
     */
    public static Map<String, String> env(Map<String, String> properties) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        properties.forEach((name, value) -> env.put(name.toUpperCase(java.util.Locale.ROOT)
                .replaceAll("[^A-Z0-9]", "_"), value));
        return env;
    }

    /** Time since the process was started. */
    public Duration uptime() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM: a graceful stop. Does not wait. Sent once: a second one could cut the stop short. */
    public synchronized void terminate() {
        if (!terminated) {
            terminated = true;
            process.destroy();
        }
    }

    /** SIGSTOP: the process stalls, its connections stay open and nothing is answered, as in a long GC pause. */
    public void pause() {
        Signals.send(process, "STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        Signals.send(process, "CONT");
    }

    /** SIGKILL: a crash. Waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
    }

    /** @return the exit code */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " did not exit within " + timeout + ":\n" + logTail());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The WARN and ERROR lines of the log so far: what a failing assertion should show. */
    public String warnings() {
        return String.join("\n", log().lines().filter(line -> line.contains(" WARN ") || line.contains(" ERROR "))
                .toList());
    }

    public String logTail() {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Stops all of them gracefully at once (SIGTERM to each, then waits): a graceful stop takes its shutdown delay,
     * which one after the other adds up. SIGKILL to any still running after 15 s.
     */
    public static void closeAll(Collection<AppProcess> processes) {
        processes.forEach(AppProcess::terminate);
        processes.forEach(AppProcess::close);
    }

    /** Stops the process gracefully (SIGTERM), so that it cleans up after itself; SIGKILL after 15 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
