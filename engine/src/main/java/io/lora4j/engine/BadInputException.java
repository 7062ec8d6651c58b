package io.lora4j.engine;

/**
 * The user's input (a file, a tensor, a field, an option) is not what was expected.
 * The message names the thing and what was expected; the CLI maps this to exit code 2.
 */
public class BadInputException extends Lora4jException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
