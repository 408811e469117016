package dev.microkit.users;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link WithoutNotificatorTest} against the packaged artifact: the jar, or the native executable with {@code -Dnative}. */
@QuarkusIntegrationTest
class WithoutNotificatorIT extends WithoutNotificatorTest {
}
