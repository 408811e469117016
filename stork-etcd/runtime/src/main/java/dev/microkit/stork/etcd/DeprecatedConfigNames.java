package dev.microkit.stork.etcd;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import jakarta.annotation.Priority;

import org.jboss.logging.Logger;

import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.FallbackConfigSourceInterceptor;
import io.smallrye.config.Priorities;

/**
 * The settings renamed in this release, {@code etcd.*} → {@code quarkus.etcd.*} ({@link #ETCD}): a setting is also
 * read under its old name (as a property or as an environment variable; of the two, the source of higher ordinal
 * wins, as for any setting), with one warning per old name and JVM that says what to write instead.
 */
@Priority(Priorities.LIBRARY + 600)
public class DeprecatedConfigNames extends FallbackConfigSourceInterceptor {

    private static final Logger LOG = Logger.getLogger(DeprecatedConfigNames.class);
    private static final String NEW_PREFIX = "quarkus.etcd.";
    /** Each old name is warned about once per JVM, whichever configuration (build, static, run time) read it. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    /** The old name of each {@code quarkus.etcd.*} setting but Dev Services' (never renamed): {@code etcd.*}. */
    public static final Function<String, String> ETCD = name -> name.startsWith(NEW_PREFIX)
            && !name.startsWith(NEW_PREFIX + "devservices.") ? name.substring("quarkus.".length()) : name;

    /** The extension's renames. */
    public DeprecatedConfigNames() {
        super(ETCD);
    }

    /** As {@link FallbackConfigSourceInterceptor} (the source of higher ordinal wins); says when an old name is set. */
    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue current = context.proceed(name);
        String oldName = getMapping().apply(name);
        if (oldName.equals(name)) {
            return current;
        }
        ConfigValue old = context.proceed(oldName);
        if (old == null) {
            return current;
        }
        warnOnce(old, name);
        return current != null && ConfigValue.CONFIG_SOURCE_COMPARATOR.compare(current, old) >= 0 ? current
                : old.withName(name);
    }

    private static void warnOnce(ConfigValue old, String newName) {
        String source = old.getConfigSourceName();
        if (source != null && source.startsWith("EnvConfigSource")) {
            String oldName = environmentName(old.getName());
            if (WARNED.add(oldName)) {
                LOG.warnf("Environment variable %s is deprecated and will be removed in the next release: use %s (%s) "
                        + "instead", oldName, environmentName(newName), newName);
            }
        } else if (WARNED.add(old.getName())) {
            LOG.warnf("%s is deprecated and will be removed in the next release: use %s (environment variable %s) "
                    + "instead; it is set in %s", old.getName(), newName, environmentName(newName), source);
        }
    }

    /** The environment variable that sets {@code name}, e.g. {@code QUARKUS_ETCD_TLS_CA_FILE}. */
    public static String environmentName(String name) {
        return name.replaceAll("[^a-zA-Z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
