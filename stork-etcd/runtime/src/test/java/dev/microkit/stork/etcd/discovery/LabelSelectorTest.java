package dev.microkit.stork.etcd.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kubernetes' label selector syntax, as the discovery's {@code selector} attribute reads it. */
class LabelSelectorTest {

    private static final Map<String, String> V2_EU1A = Map.of("id", "n1", "version", "2", "zone", "eu-1a");
    private static final Map<String, String> V1_CANARY = Map.of("id", "n2", "version", "1", "canary", "true");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                              | true  | true",
            "version=2                       | true  | false",
            "version==2                      | true  | false",
            "version!=2                      | false | true",
            "zone!=eu-1a                     | false | true",
            "zone in (eu-1a, eu-1b)          | true  | false",
            "zone notin (eu-1a)              | false | true",
            "canary                          | false | true",
            "!canary                         | true  | false",
            "version=2, zone in (eu-1a,eu-1b) | true  | false",
            "'version in (1,2),!canary'      | true  | false",
            "' version = 1 , canary '        | false | true" })
    void keepsTheInstancesWhoseLabelsMatchEveryRequirement(String selector, boolean v2, boolean v1canary) {
        LabelSelector parsed = LabelSelector.parse(selector);

        assertEquals(v2, parsed.matches(V2_EU1A), selector + " on " + V2_EU1A);
        assertEquals(v1canary, parsed.matches(V1_CANARY), selector + " on " + V1_CANARY);
    }

    @ParameterizedTest
    @ValueSource(strings = { "version=>2", "zone in eu-1a", "zone in (eu-1a", "zone in (a,,b)", "=2", "version=2,",
            "zone in (a b)", "vers ion=2" })
    void refusesWhatItCannotReadSayingWhere(String selector) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> LabelSelector.parse(selector));

        assertTrue(refused.getMessage().startsWith("label selector '" + selector + "': "), refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "   " })
    void anEmptySelectorKeepsAll(String selector) {
        assertTrue(LabelSelector.parse(selector).keepsAll());
        assertFalse(LabelSelector.parse("version=2").keepsAll());
    }
}
