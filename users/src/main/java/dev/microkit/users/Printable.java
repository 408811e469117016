package dev.microkit.users;

/** Client input echoed in an error message or a log line: shortened, control characters shown as {@code ?}. */
public final class Printable {

    private Printable() {
    }

    public static String quote(String text, int max) {
        String shown = text.length() > max ? text.substring(0, max) + "..." : text;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
