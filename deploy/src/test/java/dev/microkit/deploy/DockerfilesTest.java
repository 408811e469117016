package dev.microkit.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Dockerfiles: the multi-stage one builds the native image from sources with Docker alone, the Quarkus-standard
 * native-micro one packages an executable built by {@code -Dnative}; all run as non-root and expose the service's ports
 * (notificator: gRPC 8082, health and metrics 8083).
 */
class DockerfilesTest {

    @ParameterizedTest
    @CsvSource({ "notificator,8082 8083", "users,8802" })
    void multistageImageIsBuiltFromSourcesAndRunsAsNonRoot(String module, String ports) throws Exception {
        String dockerfile = Files.readString(Path.of("..", module, "src", "main", "docker", "Dockerfile.multistage"));

        assertTrue(dockerfile.startsWith("# syntax=docker/dockerfile:"), "BuildKit syntax first, for cache mounts");
        assertTrue(dockerfile.contains("FROM quay.io/quarkus/ubi9-quarkus-mandrel-builder-image:jdk-21 AS build"));
        assertTrue(dockerfile.contains("RUN --mount=type=cache,target=/home/quarkus/.m2"));
        assertTrue(dockerfile.contains("./mvnw -B -pl " + module + " -am package -DskipTests"
                + " -Dquarkus.native.enabled=true"));
        assertTrue(dockerfile.contains("FROM quay.io/quarkus/ubi9-quarkus-micro-image:"));
        assertTrue(dockerfile.contains("EXPOSE " + ports + "\n"));
        assertTrue(dockerfile.contains("USER 1001\n"));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"./application\", \"-Dquarkus.http.host=0.0.0.0\"]"));
    }

    @ParameterizedTest
    @CsvSource({ "notificator,8082 8083", "users,8802" })
    void nativeMicroImagePackagesTheBuiltExecutableAndRunsAsNonRoot(String module, String ports) throws Exception {
        String dockerfile = Files.readString(Path.of("..", module, "src", "main", "docker", "Dockerfile.native-micro"));
        String dockerignore = Files.readString(Path.of("..", module, ".dockerignore"));

        assertTrue(dockerfile.contains("./mvnw -B package -DskipTests -Dnative -Dquarkus.native.container-build=true"),
                "says how to build the executable it packages");
        assertTrue(dockerfile.contains("FROM quay.io/quarkus/ubi9-quarkus-micro-image:"));
        assertTrue(dockerfile.contains("COPY --chown=1001:root --chmod=0755 target/*-runner /work/application\n"));
        assertTrue(dockerfile.contains("EXPOSE " + ports + "\n"));
        assertTrue(dockerfile.contains("USER 1001\n"));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"./application\", \"-Dquarkus.http.host=0.0.0.0\"]"));
        assertTrue(dockerignore.contains("\n*\n!target/*-runner\n"), "the module context sends the executable only");
    }

    /**
     * Both native images probe readiness with bash alone (the micro image has no curl), on the port the service
     * serves HTTP on by default, or on {@code QUARKUS_HTTP_PORT} when it is set.
     */
    @ParameterizedTest
    @CsvSource({ "notificator,8083", "users,8802" })
    void nativeImagesProbeReadinessOnTheServicesHttpPort(String module, String httpPort) throws Exception {
        String properties = Files.readString(Path.of("..", module, "src", "main", "resources",
                "application.properties"));
        assertTrue(properties.contains("\nquarkus.http.port=" + httpPort + "\n"), "the service's HTTP port");
        String probe = "HEALTHCHECK --interval=5s --timeout=2s --start-period=10s --retries=3 CMD [\"bash\", \"-c\", "
                + "\"exec 3<>/dev/tcp/127.0.0.1/${QUARKUS_HTTP_PORT:-" + httpPort + "} && printf 'GET /q/health/ready "
                + "HTTP/1.0\\\\r\\\\n\\\\r\\\\n' >&3 && read -r _ status _ <&3 && [ \\\"$status\\\" = 200 ]\"]\n"
                + "ENTRYPOINT";
        for (String file : new String[] { "Dockerfile.native-micro", "Dockerfile.multistage" }) {
            String dockerfile = Files.readString(Path.of("..", module, "src", "main", "docker", file));
            assertTrue(dockerfile.contains(probe), module + "/" + file + " probes " + httpPort + ":\n" + probe);
        }
    }

    @ParameterizedTest
    @CsvSource({ "notificator,8082 8083", "users,8802" })
    void jvmImageRunsAsNonRootOnTheServicesPort(String module, String ports) throws Exception {
        String dockerfile = Files.readString(Path.of("..", module, "src", "main", "docker", "Dockerfile.jvm"));

        assertTrue(dockerfile.contains("EXPOSE " + ports + "\n"));
        assertTrue(dockerfile.contains("USER 185\n"));
        assertTrue(dockerfile.contains("-Dquarkus.http.host=0.0.0.0"));
    }
}
