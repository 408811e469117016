package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * Against this machine's container runtime (CI: Debian's docker.io, which no registry answers): an image on the
 * machine is runnable; one that cannot be pulled, Ryuk's included, is reported at once, not retried for minutes.
 */
class ContainerImagesTest {

    static final String ETCD = "quay.io/coreos/etcd:v3.5.17";

    @Test
    void anImageOnThisMachineCanRun() {
        assertEquals(Optional.empty(), ContainerImages.whyNot(List.of(ETCD), Duration.ofSeconds(20)));
    }

    @Test
    void anImageThatCannotBePulledIsReportedWithinThePullTimeout() {
        String ryuk = "testcontainers/ryuk:microkit-no-such-tag";
        long start = System.nanoTime();
        Optional<String> whyNot = ContainerImages.whyNot(List.of(ETCD, ryuk), Duration.ofSeconds(20));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertTrue(whyNot.isPresent() && whyNot.get().startsWith(ryuk + " is not on this machine"), whyNot.toString());
        assertTrue(took.compareTo(Duration.ofSeconds(25)) < 0, "reported after " + took);
    }

    @Test
    void ryukIsTheImageTestcontainersRuns() throws Exception {
        try (InputStream ryukContainer = DockerClientFactory.class.getResourceAsStream("utility/RyukContainer.class")) {
            String constants = new String(ryukContainer.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(constants.contains(ContainerImages.RYUK), "RyukContainer runs another image than "
                    + ContainerImages.RYUK + ": update ContainerImages.RYUK");
        }
    }

    @Test
    void ryukIsNeededUnlessDisabled() {
        // this module's tests run with TESTCONTAINERS_RYUK_DISABLED=true (see its pom)
        assertEquals(List.of(ETCD), ContainerImages.neededFor(ETCD));
    }
}
