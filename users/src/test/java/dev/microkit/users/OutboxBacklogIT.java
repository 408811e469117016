package dev.microkit.users;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link OutboxBacklogTest} against the packaged artifact: the jar, or the native executable with {@code -Dnative}. */
@QuarkusIntegrationTest
class OutboxBacklogIT extends OutboxBacklogTest {
}
