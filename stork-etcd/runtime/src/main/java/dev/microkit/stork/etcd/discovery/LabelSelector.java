package dev.microkit.stork.etcd.discovery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which instances a discovery keeps, by their labels (the registry value's {@code Metadata}), in the syntax of
 * Kubernetes' label selectors, which operators already write: requirements separated by commas, all of which must
 * hold.
 * <ul>
 * <li>{@code version=2} (or {@code ==}), {@code version!=2} (also true when there is no {@code version});</li>
 * <li>{@code zone in (eu-1a, eu-1b)}, {@code zone notin (eu-1c)};</li>
 * <li>{@code canary} (the label is there), {@code !canary} (it is not).</li>
 * </ul>
 * An empty selector keeps every instance. A selector that cannot be read is refused when the discovery is created, with
 * what is wrong and where.
 */
public final class LabelSelector {

    /** Keeps every instance. */
    public static final LabelSelector ALL = new LabelSelector("", List.of());

    private static final String WORD = "[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?";
    private static final Pattern SET = Pattern.compile("(" + WORD + ")\\s+(in|notin)\\s*\\(([^()]*)\\)");
    private static final Pattern EQUALITY = Pattern.compile("(" + WORD + ")\\s*(==|!=|=)\\s*(" + WORD + ")?");
    private static final Pattern EXISTS = Pattern.compile("(!?)\\s*(" + WORD + ")");
    private static final Pattern VALUE = Pattern.compile(WORD);

    private final String text;
    private final List<Predicate<Map<String, String>>> requirements;

    private LabelSelector(String text, List<Predicate<Map<String, String>>> requirements) {
        this.text = text;
        this.requirements = requirements;
    }

    /** @throws IllegalArgumentException saying what is wrong and where */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return ALL;
        }
        List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
        for (String requirement : splitOutsideParentheses(text)) {
            requirements.add(requirement(text, requirement.trim()));
        }
        return new LabelSelector(text.trim(), List.copyOf(requirements));
    }

    public boolean matches(Map<String, String> labels) {
        return requirements.stream().allMatch(requirement -> requirement.test(labels));
    }

    public boolean keepsAll() {
        return requirements.isEmpty();
    }

    @Override
    public String toString() {
        return text;
    }

    private static Predicate<Map<String, String>> requirement(String selector, String requirement) {
        Matcher set = SET.matcher(requirement);
        if (set.matches()) {
            String key = set.group(1);
            Set<String> values = values(selector, set.group(3));
            return "in".equals(set.group(2)) ? labels -> values.contains(labels.get(key))
                    : labels -> !values.contains(labels.get(key));
        }
        Matcher equality = EQUALITY.matcher(requirement);
        if (equality.matches()) {
            String key = equality.group(1);
            String value = equality.group(3) == null ? "" : equality.group(3);
            return "!=".equals(equality.group(2)) ? labels -> !value.equals(labels.get(key))
                    : labels -> value.equals(labels.get(key));
        }
        Matcher exists = EXISTS.matcher(requirement);
        if (exists.matches()) {
            String key = exists.group(2);
            return exists.group(1).isEmpty() ? labels -> labels.containsKey(key) : labels -> !labels.containsKey(key);
        }
        throw new IllegalArgumentException("label selector '" + selector + "': cannot read '" + requirement
                + "' (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key)");
    }

    private static Set<String> values(String selector, String list) {
        Set<String> values = Arrays.stream(list.split(",")).map(String::trim).collect(Collectors.toSet());
        for (String value : values) {
            if (!VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("label selector '" + selector + "': '" + value
                        + "' in (" + list + ") is not a label value");
            }
        }
        return values;
    }

    private static List<String> splitOutsideParentheses(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
