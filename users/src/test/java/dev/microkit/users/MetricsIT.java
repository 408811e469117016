package dev.microkit.users;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link MetricsTest} against the packaged artifacts: the jars, or the native executables with {@code -Dnative}. */
@QuarkusIntegrationTest
class MetricsIT extends MetricsTest {
}
