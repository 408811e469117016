package dev.microkit.notificator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.microkit.testing.etcd.EtcdTestResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(GrpcTestPort.class)
@WithTestResource(EtcdTestResource.class)
class NotificatorServiceTest {

    @GrpcTestPort.Port
    int grpcPort;

    private NotificatorChannel notificator;

    @BeforeEach
    void connect() {
        notificator = NotificatorChannel.to(grpcPort);
    }

    @AfterEach
    void disconnect() {
        notificator.close();
    }

    @Test
    void sendEmailAnswersAFreshUuid() {
        String first = notificator.sendEmail("ann@example.com", "Hi!").getId();
        String second = notificator.sendEmail("ann@example.com", "Hi!").getId();

        assertEquals(first, UUID.fromString(first).toString());
        assertEquals(second, UUID.fromString(second).toString());
        assertNotEquals(first, second);
    }

    @Test
    void theSameIdempotencyKeyGetsTheSameIdAndIsSentOnce() {
        String key = UUID.randomUUID().toString();
        String first = notificator.sendEmail("ann@example.com", "Hi!", key).getId();
        String again = notificator.sendEmail("ann@example.com", "Hi!", key).getId();
        String other = notificator.sendEmail("ann@example.com", "Hi!", UUID.randomUUID().toString()).getId();

        assertEquals(first, again);
        assertEquals(SentEmails.idFor(key).toString(), first, "another instance answers the same id for the key");
        assertNotEquals(first, other);
        assertEquals(first, UUID.fromString(first).toString());
    }

    @Test
    void blankEmailIsAnInvalidArgument() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail("  ", "Hi!"));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("email must be a well-formed address; email must not be blank", e.getStatus().getDescription());
    }

    @Test
    void missingEmailIsAnInvalidArgument() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> notificator.sendEmail("", ""));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("email must not be blank", e.getStatus().getDescription());
    }

    @ParameterizedTest
    @ValueSource(strings = { "test", "ann@", "@example.com", "ann example@example.com", "ann@@example.com" })
    void malformedEmailIsAnInvalidArgument(String email) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail(email, "Hi!"));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("email must be a well-formed address", e.getStatus().getDescription());
    }

    @Test
    void tooLongEmailIsAnInvalidArgument() {
        String email = "a".repeat(64) + "@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(62) + ".com";

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail(email, "Hi!"));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("email must be at most 254 characters", e.getStatus().getDescription());
    }

    @Test
    void aMessageOverTheServersLimitIsRefusedAndTheServiceGoesOn() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail("ann@example.com", "x".repeat(100 * 1024)));

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals(SentEmails.idFor("after").toString(), notificator.sendEmail("ann@example.com", "Hi!", "after").getId());
    }

    @ParameterizedTest
    @ValueSource(strings = { "ann@example.com\r\nBcc: all@example.com", "ann\u0000@example.com", "<ann>@example.com" })
    void hostileEmailIsAnInvalidArgument(String email) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail(email, "Hi!"));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }

    @ParameterizedTest
    @ValueSource(strings = { "key with spaces", "key\r\nforged log line", "k\u00e9y" })
    void anIdempotencyKeyThatIsNotPrintableAsciiIsAnInvalidArgument(String key) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail("ann@example.com", "Hi!", key));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("idempotency_key must be printable ASCII without spaces", e.getStatus().getDescription());
    }

    @Test
    void anIdempotencyKeyOver128CharactersIsAnInvalidArgument() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> notificator.sendEmail("ann@example.com", "Hi!", "k".repeat(129)));

        assertEquals("idempotency_key must be at most 128 characters", e.getStatus().getDescription());
    }
}
