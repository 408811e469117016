package dev.microkit.stork.etcd.deployment;

import java.util.OptionalInt;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * An etcd server in a container (the image docker-compose.yml runs), its client port published on this machine, its
 * data inside the container: what Dev Services start where a container runtime can run the image.
 */
final class EtcdContainer extends GenericContainer<EtcdContainer> {

    static final int CLIENT_PORT = 2379;

    EtcdContainer(String image, OptionalInt hostPort) {
        super(DockerImageName.parse(image));
        withCommand("etcd", "--name", "dev", "--data-dir", "/tmp/etcd-data",
                "--listen-client-urls", "http://0.0.0.0:" + CLIENT_PORT,
                "--advertise-client-urls", "http://127.0.0.1:" + CLIENT_PORT);
        withExposedPorts(CLIENT_PORT);
        hostPort.ifPresent(port -> addFixedExposedPort(port, CLIENT_PORT));
        waitingFor(Wait.forHttp("/health").forPort(CLIENT_PORT).forStatusCode(200));
    }

    /** The client URL, on this machine. */
    String endpoint() {
        return "http://" + getHost() + ":" + getMappedPort(CLIENT_PORT);
    }
}
