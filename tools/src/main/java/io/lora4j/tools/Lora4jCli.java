package io.lora4j.tools;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Lora4jException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lora4j} command line. Each subcommand is a thin layer over public API classes.
 * Exit codes: 0 ok, 1 failure, 2 bad input or usage.
 */
@Command(name = "lora4j",
        mixinStandardHelpOptions = true,
        versionProvider = Lora4jCli.Version.class,
        description = "Pure-JVM T5/ViT engine with LoRA, LoRAHub and GLoRA.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Lora4jCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command tree with lora4j's exception handling; used by main and by tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Lora4jCli());
        for (Object sub : Subcommands.all()) {
            cl.addSubcommand(sub);
            if (sub instanceof io.lora4j.tools.bench.BenchCommand) {
                CommandLine bench = cl.getSubcommands().get("bench");
                for (Object b : io.lora4j.tools.bench.BenchCommand.benches()) bench.addSubcommand(b);
            }
        }
        if (!cl.getSubcommands().containsKey("demo")) cl.addSubcommand(new io.lora4j.tools.glora.DemoContainer());
        CommandLine demo = cl.getSubcommands().get("demo");
        for (Object d : Subcommands.demos()) demo.addSubcommand(d);
        cl.setExecutionExceptionHandler(Lora4jCli::handle);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parse) {
        PrintWriter err = cl.getErr();
        Throwable t = e;
        if (t instanceof UncheckedIOException u) t = u.getCause();
        if (t instanceof BadInputException) {
            err.println("lora4j: error: " + t.getMessage());
            err.flush();
            return EXIT_BAD_INPUT;
        }
        if (t instanceof NoSuchFileException nsf) {
            err.println("lora4j: error: no such file: " + nsf.getFile());
            err.flush();
            return EXIT_BAD_INPUT;
        }
        if (t instanceof Lora4jException || t instanceof IOException) {
            err.println("lora4j: error: " + t.getMessage());
            err.flush();
            return EXIT_FAILURE;
        }
        err.println("lora4j: internal error: " + t);
        if (System.getenv("LORA4J_DEBUG") != null) t.printStackTrace(err);
        else err.println("(set LORA4J_DEBUG=1 for a stack trace, and please report it)");
        err.flush();
        return EXIT_FAILURE;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Lora4jCli.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"lora4j " + p.getProperty("version", "unknown") + " (Java " + Runtime.version() + ")"};
        }
    }
}
