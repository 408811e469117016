package dev.microkit.notificator;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import dev.microkit.testing.FreePorts;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Serves the application's gRPC under test on a free port chosen here and gives that port to the test's
 * {@link Port} field. The server could choose one itself (test port 0), but a {@code @QuarkusIntegrationTest} would
 * not learn it: Quarkus reads only the HTTP port back from a packaged application.
 */
public class GrpcTestPort implements QuarkusTestResourceLifecycleManager {

    /** Marks the test's {@code int} field that receives the gRPC port. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Port {
    }

    private final int port = FreePorts.next();

    @Override
    public Map<String, String> start() {
        // test-port for @QuarkusTest; port for @QuarkusIntegrationTest, whose application runs in normal mode
        return Map.of("quarkus.grpc.server.test-port", String.valueOf(port),
                "quarkus.grpc.server.port", String.valueOf(port));
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(port, new TestInjector.AnnotatedAndMatchesType(Port.class, int.class));
    }

    @Override
    public void stop() {
    }
}
