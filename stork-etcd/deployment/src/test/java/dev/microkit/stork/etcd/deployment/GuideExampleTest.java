package dev.microkit.stork.etcd.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.deployment.guide.Greeter;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.stork.api.ServiceInstance;

/**
 * The third application of the extension's README ("A third application"), as written there: its properties and its
 * one class, {@link Greeter}, run against the etcd Dev Services start, register and discover. The README's code
 * blocks are compared with this test's files, so that the guide cannot drift from what is tested.
 */
class GuideExampleTest {

    static final String PROPERTIES = """
            quarkus.stork.greeter.service-registrar.type=etcd
            quarkus.stork.greeter.service-discovery.type=etcd
            """;

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(Greeter.class)
                    .addAsResource(new StringAsset(PROPERTIES), "application.properties"))
            // this machine's test runs use the executable (no registry serves images here); the guide needs nothing
            .overrideConfigKey("quarkus.etcd.devservices.executable", "etcd");

    @Inject
    Greeter greeter;

    @Test
    void registersAndDiscoversItself() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !greeter.greeters().await().atMost(Duration.ofSeconds(5))
                .isEmpty());
        List<ServiceInstance> found = greeter.greeters().await().atMost(Duration.ofSeconds(5));
        assertEquals(1, found.size());
        assertEquals("127.0.0.1:9001", found.get(0).getHost() + ":" + found.get(0).getPort());
        assertEquals(Map.of("version", "1"), found.get(0).getLabels());
    }

    @Test
    void theReadmeShowsExactlyThisApplication() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String source = Files.readString(Path.of("src/test/java/" + Greeter.class.getName().replace('.', '/')
                + ".java"));
        String code = source.substring(source.indexOf("import "));
        assertTrue(readme.contains("```java\n" + code + "```"), "README's Greeter differs from guide/Greeter.java");
        assertTrue(readme.contains("```properties\n" + PROPERTIES + "```"), "README's properties differ");
    }
}
