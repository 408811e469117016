package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.Causes;
import io.quarkus.test.QuarkusUnitTest;

/** A discovery selector that cannot be read stops the start, naming the setting and what is wrong in it. */
class EtcdSelectorRefusedTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.etcd.endpoints", "http://127.0.0.1:1")
            .overrideConfigKey("quarkus.stork.greeter.service-discovery.type", "etcd")
            .overrideConfigKey("quarkus.stork.greeter.service-discovery.selector", "version in (1")
            .assertException(thrown -> assertTrue(Causes.of(thrown).anyMatch(cause -> String.valueOf(
                    cause.getMessage()).startsWith("quarkus.stork.greeter.service-discovery.selector: label selector "
                            + "'version in (1': cannot read 'version in (1'")), () -> Causes.of(thrown)
                                    .map(String::valueOf).toList().toString()));

    @Test
    void doesNotStart() {
        fail("started with a selector it cannot read");
    }
}
