package dev.microkit.testing.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The artifact under test of one module, as the process-level tests start it: the packaged jar
 * ({@code target/quarkus-app/quarkus-run.jar}) by default, the native executable ({@code target/*-runner}) when the
 * tests run with {@code -Dnative}, whose profile sets the system property {@value #KIND_PROPERTY} to {@code native}.
 * It is looked for when it is started, so that a missing build is reported by the test that needs it.
 *
 * @param moduleDir the module's folder, e.g. {@code .} or {@code ../notificator}
 */
public record Artifact(Path moduleDir) {

    public static final String KIND_PROPERTY = "microkit.artifact";

    public static Artifact of(Path moduleDir) {
        return new Artifact(moduleDir);
    }

    /** True when this test run is against native executables. */
    public static boolean isNative() {
        String kind = System.getProperty(KIND_PROPERTY, "jar");
        return switch (kind) {
            case "jar" -> false;
            case "native" -> true;
            default -> throw new IllegalStateException(KIND_PROPERTY + " must be jar or native, not " + kind);
        };
    }

    /** The command that runs it. */
    List<String> command() {
        Path target = moduleDir.resolve("target");
        if (isNative()) {
            return List.of(nativeExecutable(target).toString());
        }
        Path jar = target.resolve("quarkus-app").resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the application first");
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString());
    }

    private static Path nativeExecutable(Path target) {
        try (Stream<Path> files = Files.list(target)) {
            List<Path> runners = files.filter(f -> f.getFileName().toString().endsWith("-runner"))
                    .filter(Files::isExecutable).toList();
            if (runners.size() != 1) {
                throw new IllegalStateException("expected one native executable *-runner in " + target
                        + ", found " + runners + ": build it with -Dnative first");
            }
            return runners.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(target + " cannot be read: build the module with -Dnative first", e);
        }
    }
}
