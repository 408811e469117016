package dev.microkit.users.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the Go programs of {@code src/test/go} (a GOPATH tree) with Debian's Go toolchain and its packaged grpc-go
 * 1.33 and etcd 3.4 client ({@code golang-go}, {@code golang-etcd-server-dev}; {@code .ci/run} installs them), in
 * GOPATH mode: no module proxy, no network.
 */
public final class GoPrograms {

    private static final Path SOURCES = Path.of("src", "test", "go").toAbsolutePath();
    private static final Path TARGET = Path.of("target", "go").toAbsolutePath();
    private static final String DEBIAN_GOPATH = "/usr/share/gocode";

    private GoPrograms() {
    }

    /** The executable of {@code src/test/go/src/<name>}, built now. */
    public static Path build(String name) {
        Path binary = TARGET.resolve("bin").resolve(name);
        ProcessBuilder go = new ProcessBuilder("go", "build", "-o", binary.toString(), name)
                .directory(SOURCES.toFile()).redirectErrorStream(true);
        go.environment().put("GO111MODULE", "off");
        go.environment().put("GOPATH", DEBIAN_GOPATH + ":" + SOURCES);
        go.environment().put("GOCACHE", TARGET.resolve("cache").toString());
        go.environment().put("GOFLAGS", "");
        try {
            Files.createDirectories(binary.getParent());
            Process process = go.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("go build " + name + " failed (needs Debian's golang-go and "
                        + "golang-etcd-server-dev, which .ci/run installs):\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run go (install Debian's golang-go and golang-etcd-server-dev, "
                    + "as .ci/run does): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return binary;
    }

    /** The command line of a built program. */
    public static List<String> command(Path binary, String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        return command;
    }
}
