package dev.microkit.stork.etcd.deployment;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;

import io.quarkus.deployment.util.ContainerRuntimeUtil;

/**
 * Whether a container runtime can run images now, asked before anything starts a container: each image must be on this
 * machine, or pulled within a bound. Testcontainers is asked without its own client, whose first use starts Ryuk (its
 * container reaper) and, where no registry answers, retries pulling Ryuk's image for minutes.
 */
final class ContainerImages {

    /**
     * The image Testcontainers 2.0.4 runs Ryuk from (its package-private RyukContainer's; its configuration's
     * {@code getRyukImage()} says {@code :latest}, which it does not run). {@code ContainerImagesTest} fails when an
     * upgrade changes it.
     */
    static final String RYUK = "testcontainers/ryuk:0.14.0";

    private ContainerImages() {
    }

    /** The images a container of {@code image} needs: Ryuk's too, unless TESTCONTAINERS_RYUK_DISABLED is true. */
    static List<String> neededFor(String image) {
        if (Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
            return List.of(image);
        }
        return List.of(image, ImageNameSubstitutor.instance().apply(DockerImageName.parse(RYUK))
                .asCanonicalNameString());
    }

    /** Why the images cannot be run now, or empty when they can. */
    static Optional<String> whyNot(List<String> images, Duration pullTimeout) {
        if (ContainerRuntimeUtil.detectContainerRuntime(false) == ContainerRuntimeUtil.ContainerRuntime.UNAVAILABLE) {
            return Optional.of("no container runtime (docker, podman) answers");
        }
        DockerClient docker;
        try {
            docker = DockerClientProviderStrategy.getClientForConfig(DockerClientFactory.instance()
                    .getTransportConfig());
        } catch (RuntimeException e) {
            return Optional.of("Testcontainers finds no container runtime (" + e.getMessage() + ")");
        }
        for (String image : images) {
            Optional<String> missing = pulled(docker, image, pullTimeout);
            if (missing.isPresent()) {
                return missing;
            }
        }
        return Optional.empty();
    }

    /** Empty when {@code image} is on this machine, now or after a pull within {@code timeout}; else why not. */
    private static Optional<String> pulled(DockerClient docker, String image, Duration timeout) {
        try {
            docker.inspectImageCmd(image).exec();
            return Optional.empty();
        } catch (NotFoundException notHere) {
            try {
                if (docker.pullImageCmd(image).start().awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    return Optional.empty();
                }
                return Optional.of(image + " is not on this machine and was not pulled within " + timeout.toSeconds()
                        + " s");
            } catch (RuntimeException e) {
                return Optional.of(image + " is not on this machine and cannot be pulled (" + e.getMessage().strip()
                        + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while pulling " + image);
            }
        } catch (RuntimeException e) {
            return Optional.of("the container runtime does not answer (" + e.getMessage() + ")");
        }
    }
}
