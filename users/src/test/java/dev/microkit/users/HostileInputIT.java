package dev.microkit.users;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link HostileInputTest} against the packaged artifact: the jar, or the native executable with {@code -Dnative}. */
@QuarkusIntegrationTest
class HostileInputIT extends HostileInputTest {
}
