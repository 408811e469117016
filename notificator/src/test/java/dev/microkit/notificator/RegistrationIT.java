package dev.microkit.notificator;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link RegistrationTest} against the packaged artifact: the jar, or the native executable with {@code -Dnative}. */
@QuarkusIntegrationTest
class RegistrationIT extends RegistrationTest {
}
