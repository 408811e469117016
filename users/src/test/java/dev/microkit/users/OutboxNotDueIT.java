package dev.microkit.users;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/** {@link OutboxNotDueTest} against the packaged artifact: the jar, or the native executable with {@code -Dnative}. */
@QuarkusIntegrationTest
@TestProfile(OutboxNotDueIT.RetryInAnHourPackaged.class)
class OutboxNotDueIT extends OutboxNotDueTest {

    /** The same settings on the artifact's own profile: its build-time settings are fixed. */
    public static class RetryInAnHourPackaged extends RetryInAnHour {
        @Override
        public String getConfigProfile() {
            return "prod";
        }
    }
}
