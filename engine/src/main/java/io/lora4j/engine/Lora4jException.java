package io.lora4j.engine;

/** Base of every error lora4j raises on purpose. The message is meant for a person. */
public class Lora4jException extends RuntimeException {
    public Lora4jException(String message) {
        super(message);
    }

    public Lora4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
