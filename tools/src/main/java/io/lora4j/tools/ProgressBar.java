package io.lora4j.tools;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr for long work. Hidden when stderr is not a terminal or with
 * --quiet. Not thread-safe: update from one thread.
 */
public final class ProgressBar implements AutoCloseable {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean enabled;
    private long lastDraw;

    public ProgressBar(String label, long total, boolean quiet) {
        this.out = System.err;
        this.label = label;
        this.total = total;
        this.enabled = !quiet && System.console() != null;
    }

    /** Redraws with {@code done} of total finished and a short status text (may be empty). */
    public void update(long done, String status) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        int width = 30;
        int filled = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
        out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total
                + (status == null || status.isEmpty() ? "" : "  " + status) + "\u001b[K");
        out.flush();
    }

    @Override
    public void close() {
        if (enabled) {
            out.print("\r\u001b[K");
            out.flush();
        }
    }
}
