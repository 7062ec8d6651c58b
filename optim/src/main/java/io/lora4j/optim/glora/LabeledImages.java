package io.lora4j.optim.glora;

import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A labeled image set: either a folder with one sub-folder per class (classes numbered in sorted name
 * order, images sorted by name), or a list file of {@code "path label"} lines (the VTAB-1k
 * {@code train800.txt} / {@code val200.txt} layout; paths relative to the list file's folder; blank lines
 * and lines starting with # are skipped).
 */
public record LabeledImages(String origin, List<Path> files, int[] labels, List<String> classNames) {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    public LabeledImages {
        files = List.copyOf(files);
        classNames = List.copyOf(classNames);
        if (files.size() != labels.length) throw new IllegalArgumentException("files and labels differ in length");
    }

    public int size() {
        return files.size();
    }

    /** Reads a folder per class or a list file. */
    public static LabeledImages read(Path listOrDir) {
        if (Files.isDirectory(listOrDir)) return readFolders(listOrDir);
        if (Files.isRegularFile(listOrDir)) return readList(listOrDir);
        throw new BadInputException(listOrDir + ": no such file or directory (expected a list file of \"path label\" lines or a folder per class)");
    }

    private static LabeledImages readFolders(Path dir) {
        List<Path> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot list: " + e.getMessage());
        }
        if (classes.isEmpty()) throw new BadInputException(dir + ": no class sub-folders (expected one folder of images per class)");
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            names.add(classes.get(c).getFileName().toString());
            try (Stream<Path> s = Files.list(classes.get(c))) {
                for (Path p : s.filter(LabeledImages::isImage).sorted().toList()) {
                    files.add(p);
                    labels.add(c);
                }
            } catch (IOException e) {
                throw new BadInputException(classes.get(c) + ": cannot list: " + e.getMessage());
            }
        }
        if (files.isEmpty()) throw new BadInputException(dir + ": no images (" + String.join(", ", EXTENSIONS) + ") in the class folders");
        return new LabeledImages(dir.toString(), files, labels.stream().mapToInt(Integer::intValue).toArray(), names);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    private static LabeledImages readList(Path list) {
        List<String> lines;
        try {
            lines = Files.readAllLines(list);
        } catch (IOException e) {
            throw new BadInputException(list + ": cannot read: " + e.getMessage());
        }
        Path base = list.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int maxLabel = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int sp = Math.max(l.lastIndexOf(' '), l.lastIndexOf('\t'));
            if (sp < 0) throw new BadInputException(list + ":" + (i + 1) + ": expected \"path label\", got \"" + l + "\"");
            String path = l.substring(0, sp).strip(), lab = l.substring(sp + 1);
            int label;
            try {
                label = Integer.parseInt(lab);
            } catch (NumberFormatException e) {
                throw new BadInputException(list + ":" + (i + 1) + ": label \"" + lab + "\" is not an integer");
            }
            if (label < 0) throw new BadInputException(list + ":" + (i + 1) + ": negative label " + label);
            Path f = base.resolve(path).normalize();
            if (!Files.isRegularFile(f)) throw new BadInputException(list + ":" + (i + 1) + ": no such image file " + f);
            files.add(f);
            labels.add(label);
            maxLabel = Math.max(maxLabel, label);
        }
        if (files.isEmpty()) throw new BadInputException(list + ": no \"path label\" lines");
        List<String> names = new ArrayList<>();
        for (int c = 0; c <= maxLabel; c++) names.add(String.valueOf(c));
        return new LabeledImages(list.toString(), files, labels.stream().mapToInt(Integer::intValue).toArray(), names);
    }
}
