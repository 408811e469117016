package dev.microkit.users;

/**
 * The {@code Idempotency-Key} request header (IETF draft-ietf-httpapi-idempotency-key-header): a Structured Field
 * string, {@code "8e03978e-40d5-43e8-bc93-6894a57f9324"}; most clients send it bare, which is taken too.
 */
final class IdempotencyKeys {

    static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /**
     * @return the key, or null when the header is absent; a 400 when it is not 1 to 255 printable ASCII characters
     *         without spaces
     */
    static String parse(String header) {
        if (header == null) {
            return null;
        }
        String key = header.length() >= 2 && header.startsWith("\"") && header.endsWith("\"")
                ? header.substring(1, header.length() - 1) : header;
        if (key.isEmpty() || key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiException.badRequest("the Idempotency-Key header must be 1 to " + MAX_LENGTH
                    + " printable ASCII characters without spaces, a UUID for example");
        }
        return key;
    }
}
