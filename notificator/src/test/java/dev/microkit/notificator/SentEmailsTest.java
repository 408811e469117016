package dev.microkit.notificator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SentEmailsTest {

    @Test
    void aKeyIsNewOnceWithinTheWindow() {
        SentEmails sent = new SentEmails(Duration.ofMinutes(10), 10);

        assertTrue(sent.firstTime("a"));
        assertFalse(sent.firstTime("a"));
        assertTrue(sent.firstTime("b"));
    }

    @Test
    void aKeyIsNewAgainAfterTheWindow() throws InterruptedException {
        SentEmails sent = new SentEmails(Duration.ofMillis(50), 10);

        assertTrue(sent.firstTime("a"));
        Thread.sleep(80);
        assertTrue(sent.firstTime("a"));
    }

    @Test
    void theOldestKeysAreForgottenBeyondTheLimit() {
        SentEmails sent = new SentEmails(Duration.ofMinutes(10), 2);

        sent.firstTime("a");
        sent.firstTime("b");
        sent.firstTime("c");

        assertTrue(sent.firstTime("a"), "a was forgotten");
        assertFalse(sent.firstTime("c"));
    }
}
