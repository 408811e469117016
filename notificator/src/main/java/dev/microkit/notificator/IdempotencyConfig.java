package dev.microkit.notificator;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long requests with an idempotency key are remembered (env IDEMPOTENCY_WINDOW, IDEMPOTENCY_MAX_KEYS). */
@ConfigMapping(prefix = "idempotency")
public interface IdempotencyConfig {

    /** The default window: ten minutes. */
    String DEFAULT_WINDOW = "10m";
    /** The default limit: the default window at 2,000 keys a second, about 38 MB once full. */
    String DEFAULT_MAX_KEYS = "1200000";

    /** A request repeating a key seen within this window is not sent again. */
    @WithDefault(DEFAULT_WINDOW)
    Duration window();

    /**
     * At most this many keys are remembered (about 32 bytes each, the memory growing with them); beyond it the oldest
     * are forgotten first, before their window ends.
     */
    @WithDefault(DEFAULT_MAX_KEYS)
    @Min(1)
    @Max(100_000_000)
    int maxKeys();
}
