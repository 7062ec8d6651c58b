package io.lora4j.optim.glora;

import io.lora4j.engine.io.AtomicFile;
import io.lora4j.optim.evolution.GenerationStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** A PNG line plot of a search's accuracy per generation (best, mean, best so far), drawn headless with java.awt. */
public final class AccuracyPlot {
    private AccuracyPlot() {}

    /** Draws {@code history} (and the base model's accuracy as a dashed line if not NaN) into a PNG file, atomically. */
    public static void write(Path png, List<GenerationStats> history, double baseAccuracy, String title) {
        int w = 800, h = 480, left = 70, right = 20, top = 40, bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (GenerationStats s : history) {
                for (double v : new double[] {s.best(), s.mean(), s.bestSoFar()}) {
                    if (!Double.isNaN(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
            if (!Double.isNaN(baseAccuracy)) {
                lo = Math.min(lo, baseAccuracy);
                hi = Math.max(hi, baseAccuracy);
            }
            if (!(lo <= hi)) {
                lo = 0;
                hi = 1;
            }
            double pad = Math.max(0.02, (hi - lo) * 0.1);
            lo = Math.max(0, lo - pad);
            hi = Math.min(1, hi + pad);
            if (hi <= lo) hi = lo + 0.01;
            int n = Math.max(1, history.size() - 1);
            int pw = w - left - right, ph = h - top - bottom;
            final double ylo = lo, yhi = hi;
            java.util.function.IntUnaryOperator xs = i -> left + (int) Math.round((double) i * pw / n);
            java.util.function.DoubleToIntFunction ys = v -> top + (int) Math.round((1 - (v - ylo) / (yhi - ylo)) * ph);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(new Color(230, 230, 230));
            for (int k = 0; k <= 5; k++) {
                double v = lo + (hi - lo) * k / 5;
                int y = ys.applyAsInt(v);
                g.drawLine(left, y, w - right, y);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);
            for (int k = 0; k <= 5; k++) {
                double v = lo + (hi - lo) * k / 5;
                g.drawString(String.format(Locale.ROOT, "%.1f%%", 100 * v), 10, ys.applyAsInt(v) + 4);
            }
            int step = Math.max(1, history.size() / 10);
            for (int i = 0; i < history.size(); i += step) {
                int x = xs.applyAsInt(i);
                g.drawLine(x, top + ph, x, top + ph + 4);
                g.drawString(String.valueOf(history.get(i).generation()), x - 4, top + ph + 18);
            }
            g.drawString("generation", left + pw / 2 - 30, h - 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, left, 25);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            if (!Double.isNaN(baseAccuracy)) {
                g.setColor(Color.GRAY);
                g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
                int y = ys.applyAsInt(baseAccuracy);
                g.drawLine(left, y, w - right, y);
            }
            series(g, history, xs, ys, 0, new Color(31, 119, 180));
            series(g, history, xs, ys, 1, new Color(255, 127, 14));
            series(g, history, xs, ys, 2, new Color(44, 160, 44));
            String[] names = {"best of generation", "mean of generation", "best so far", "base model"};
            Color[] colors = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), Color.GRAY};
            for (int k = 0; k < (Double.isNaN(baseAccuracy) ? 3 : 4); k++) {
                int y = top + 15 + 16 * k, x = w - right - 170;
                g.setColor(colors[k]);
                g.setStroke(new BasicStroke(2f));
                g.drawLine(x, y - 4, x + 20, y - 4);
                g.setColor(Color.BLACK);
                g.drawString(names[k], x + 26, y);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        AtomicFile.write(png, bytes.toByteArray());
    }

    private static void series(Graphics2D g, List<GenerationStats> h, java.util.function.IntUnaryOperator xs,
                               java.util.function.DoubleToIntFunction ys, int which, Color c) {
        g.setColor(c);
        g.setStroke(new BasicStroke(2f));
        int px = -1, py = -1;
        for (int i = 0; i < h.size(); i++) {
            GenerationStats s = h.get(i);
            double v = which == 0 ? s.best() : which == 1 ? s.mean() : s.bestSoFar();
            if (Double.isNaN(v)) continue;
            int x = xs.applyAsInt(i), y = ys.applyAsInt(v);
            if (px >= 0) g.drawLine(px, py, x, y);
            g.fillOval(x - 3, y - 3, 6, 6);
            px = x;
            py = y;
        }
    }
}
