package dev.microkit.stork.etcd.deployment;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.quarkus.test.QuarkusUnitTest;

/**
 * With no {@code quarkus.etcd.endpoints}, where a container runtime has the etcd image (CI: Debian's docker.io and the
 * stand-in image of deploy/local/base-images.sh; Ryuk disabled in this module's tests, since no registry serves its
 * image here), an application in test mode gets an etcd container of its own: the Quarkus convention.
 */
class EtcdDevServicesContainerTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(EtcdProbe.class))
            .setLogRecordPredicate(record -> record.getLoggerName().startsWith("dev.microkit.stork.etcd"))
            .assertLogRecords(records -> {
                assertTrue(records.stream().anyMatch(r -> r.getMessage().startsWith(
                        "Dev Services for etcd started a container of")), "the log says a container was started: "
                                + records.stream().map(r -> r.getMessage() + " " + List.of(r.getParameters()))
                                        .toList());
                assertTrue(records.stream().noneMatch(r -> r.getMessage().contains("no container")),
                        "no fallback to the executable");
            });

    @Inject
    EtcdClients clients;

    @Test
    void theApplicationTalksToTheEtcdContainerStartedForIt() throws Exception {
        URI endpoint = EtcdProbe.endpoint(clients);
        assertNotEquals(2379, endpoint.getPort(), "a published port, not the default: " + endpoint);
        EtcdProbe.assertWritesAndReads(clients, "/dev-services/probe");
        String ports = publishedPorts("quay.io/coreos/etcd:v3.5.17");
        assertTrue(ports.contains(":" + endpoint.getPort() + "->2379/tcp"),
                "the endpoint is a container's published client port: " + ports);
    }

    /** The published ports of the containers of {@code image}, as the docker CLI lists them. */
    private static String publishedPorts(String image) throws Exception {
        Process ps = new ProcessBuilder("docker", "ps", "--filter", "ancestor=" + image, "--format", "{{.Ports}}")
                .redirectErrorStream(true).start();
        String out = new String(ps.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, ps.waitFor(), out);
        return out;
    }
}
