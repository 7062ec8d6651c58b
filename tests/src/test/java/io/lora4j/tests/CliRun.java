package io.lora4j.tests;

import io.lora4j.tools.Lora4jCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One in-process run of the {@code lora4j} CLI, as a user would type it: exit code and captured stdout/stderr. */
public record CliRun(int code, String out, String err) {

    /** Runs {@code lora4j args...} with lora4j's own exception handling (exit codes 0 / 1 / 2). */
    public static CliRun of(String... args) {
        CommandLine cl = Lora4jCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The exit code (same as {@link #code()}). */
    public int exit() {
        return code;
    }
}
