package io.lora4j.tools.lora;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Small PNG charts of a LoRAHub run (headless AWT): the score curve and the learned weights. */
final class Plots {
    private static final int W = 720, H = 400, L = 70, R = 20, T = 40, B = 60;

    private Plots() {}

    /** Score of every evaluation (dots) and the best so far (line). */
    static void scoreCurve(Path file, double[] scores) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, "LoRAHub score per evaluation (dots) and best so far (line)");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            if (!Double.isFinite(s)) continue;
            lo = Math.min(lo, s);
            hi = Math.max(hi, s);
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        axes(g, lo, hi, "evaluation", scores.length);
        int n = Math.max(1, scores.length - 1);
        double best = Double.POSITIVE_INFINITY;
        int px = -1, py = -1;
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) continue;
            int x = L + (int) ((W - L - R) * (double) i / n), y = yOf(scores[i], lo, hi);
            g.setColor(new Color(120, 120, 200));
            g.fillOval(x - 3, y - 3, 6, 6);
            best = Math.min(best, scores[i]);
            int by = yOf(best, lo, hi);
            g.setColor(new Color(200, 60, 40));
            g.setStroke(new BasicStroke(2f));
            if (px >= 0) g.drawLine(px, py, x, by);
            px = x;
            py = by;
        }
        save(img, file);
    }

    /** One bar per module weight. */
    static void weights(Path file, List<String> names, double[] w) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, "Learned LoRAHub weights");
        double m = 0.1;
        for (double v : w) m = Math.max(m, Math.abs(v));
        axes(g, -m, m, "module", 0);
        int n = w.length, span = W - L - R;
        int y0 = yOf(0, -m, m);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int i = 0; i < n; i++) {
            int x = L + span * i / n + 2, bw = Math.max(2, span / n - 4), y = yOf(w[i], -m, m);
            g.setColor(w[i] >= 0 ? new Color(60, 140, 80) : new Color(200, 80, 60));
            g.fillRect(x, Math.min(y, y0), bw, Math.max(1, Math.abs(y - y0)));
            g.setColor(Color.DARK_GRAY);
            String label = names.get(i).length() > 12 ? names.get(i).substring(0, 12) : names.get(i);
            if (n <= 24) g.drawString(label, x, H - B + 14 + (i % 2) * 12);
        }
        save(img, file);
    }

    private static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, L, 24);
        return g;
    }

    private static void axes(Graphics2D g, double lo, double hi, String xLabel, int xMax) {
        g.setColor(Color.GRAY);
        g.drawLine(L, T, L, H - B);
        g.drawLine(L, H - B, W - R, H - B);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int k = 0; k <= 4; k++) {
            double v = lo + (hi - lo) * k / 4;
            int y = yOf(v, lo, hi);
            g.drawLine(L - 4, y, L, y);
            g.drawString(String.format("%.3g", v), 4, y + 4);
        }
        if (xMax > 0) {
            g.drawString("0", L, H - B + 16);
            g.drawString(String.valueOf(xMax - 1), W - R - 20, H - B + 16);
        }
        g.drawString(xLabel, (W - L - R) / 2 + L - 20, H - 12);
    }

    private static int yOf(double v, double lo, double hi) {
        return H - B - (int) ((H - B - T) * (v - lo) / (hi - lo));
    }

    private static void save(BufferedImage img, Path file) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        io.lora4j.engine.io.AtomicFile.write(file, bytes.toByteArray());
    }
}
