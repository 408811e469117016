package dev.microkit.stork.etcd;

import java.util.Objects;
import java.util.stream.Stream;

/** A failure and its causes, the way every error path here walks them. */
public final class Causes {

    /** Deeper than any real chain: a chain that loops (A caused by B caused by A) ends here. */
    private static final int MAX_DEPTH = 64;

    private Causes() {
    }

    /** {@code failure}, then its cause, and so on; a cause that is its own cause ends the chain. */
    public static Stream<Throwable> of(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, cause -> cause.getCause() == cause ? null : cause.getCause())
                .limit(MAX_DEPTH);
    }
}
