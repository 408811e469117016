package dev.microkit.stork.etcd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The extension's README shows this module's application as it is: the guide cannot drift from what is tested. */
class GuideTest {

    @Test
    void theReadmeShowsExactlyThisApplication() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String source = Files.readString(Path.of("src/main/java/" + Greeter.class.getName().replace('.', '/')
                + ".java"));
        String code = source.substring(source.indexOf("import "));
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        assertTrue(readme.contains("```java\n" + code + "```"), "README's Greeter differs from Greeter.java");
        assertTrue(readme.contains("```properties\n" + properties + "```"), "README's properties differ");
    }
}
