package io.lora4j.tools;

import java.util.List;

/** Every subcommand of {@code lora4j}, in the order {@code --help} lists them. Add new commands here. */
final class Subcommands {
    private Subcommands() {}

    static List<Object> all() {
        return List.of(
                // one line per command; keep the list sorted by the order of the README
        );
    }
}
