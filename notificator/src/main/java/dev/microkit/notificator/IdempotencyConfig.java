package dev.microkit.notificator;

import java.time.Duration;

import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long requests with an idempotency key are remembered (env IDEMPOTENCY_WINDOW, IDEMPOTENCY_MAX_KEYS). */
@ConfigMapping(prefix = "idempotency")
public interface IdempotencyConfig {

    /** A request repeating a key seen within this window is not sent again. */
    @WithDefault("10m")
    Duration window();

    /** At most this many keys are remembered; the oldest are forgotten first. */
    @WithDefault("100000")
    @Min(1)
    int maxKeys();
}
