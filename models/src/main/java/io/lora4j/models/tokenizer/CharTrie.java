package io.lora4j.models.tokenizer;

import java.util.Arrays;

/**
 * A trie over UTF-16 code units mapping strings to ids, for common-prefix search (shortest prefix first).
 * Edges live in one open-addressing hash table keyed by (node, char). Immutable after building.
 */
final class CharTrie {
    private long[] keys;       // (node << 16 | char) + 1; 0 = empty slot
    private int[] children;
    private int[] values = new int[16]; // per node: id or -1
    private int nodes = 1;
    private int edges;

    CharTrie(int expectedChars) {
        int cap = Integer.highestOneBit(Math.max(16, expectedChars * 2)) << 1;
        keys = new long[cap];
        children = new int[cap];
        Arrays.fill(values, -1);
    }

    void put(String s, int id) {
        int node = 0;
        for (int i = 0; i < s.length(); i++) {
            int child = child(node, s.charAt(i));
            if (child < 0) child = addChild(node, s.charAt(i));
            node = child;
        }
        values[node] = id;
    }

    /** The child of node for c, or -1. */
    int child(int node, char c) {
        long key = (((long) node << 16) | c) + 1;
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) return children[i];
            if (k == 0) return -1;
        }
    }

    /** The id stored at node, or -1. */
    int value(int node) {
        return values[node];
    }

    private int addChild(int node, char c) {
        if ((edges + 1) * 2 > keys.length) grow();
        int n = nodes++;
        if (n >= values.length) {
            int old = values.length;
            values = Arrays.copyOf(values, old * 2);
            Arrays.fill(values, old, values.length, -1);
        }
        insert((((long) node << 16) | c) + 1, n);
        edges++;
        return n;
    }

    private void insert(long key, int child) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != 0) i = (i + 1) & mask;
        keys[i] = key;
        children[i] = child;
    }

    private void grow() {
        long[] ok = keys;
        int[] oc = children;
        keys = new long[ok.length * 2];
        children = new int[ok.length * 2];
        for (int i = 0; i < ok.length; i++) if (ok[i] != 0) insert(ok[i], oc[i]);
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
