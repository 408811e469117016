package dev.microkit.stork.etcd.it;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link GreeterTest} against the built artifact: the jar, or the native executable ({@code -Dnative}). */
@QuarkusIntegrationTest
class GreeterIT extends GreeterTest {
}
