package io.lora4j.optim;

import io.lora4j.engine.BadInputException;
import java.util.List;
import java.util.Locale;

/**
 * Optimizers by name: {@code cma}, {@code bobyqa}, {@code es}, {@code random}, {@code auto}.
 *
 * <p>{@code auto} picks by dimension n and budget B (a rule in the spirit of nevergrad's selector:
 * model-based search while the budget is small relative to the dimension, CMA-ES with restarts when
 * there is room for it; the measurements behind the threshold are in docs/optim.md):
 * <ul>
 *   <li>B &lt; 2: random (only the start point is evaluated);</li>
 *   <li>n = 1: es (the (1+1)-ES; BOBYQA needs two dimensions);</li>
 *   <li>B ≤ 100·n: bobyqa (its quadratic model makes the most of few evaluations: it beat CMA-ES, the
 *       (1+1)-ES and random search on shifted ellipsoid and Rastrigin at every B ≤ 60·n measured —
 *       LoRAHub's 20 modules with budget 40 land here);</li>
 *   <li>otherwise: cma with IPOP restarts (better on multimodal problems once B is a few hundred times n).</li>
 * </ul>
 */
public final class Optimizers {
    private static final List<String> NAMES = List.of("cma", "bobyqa", "es", "random", "auto");

    private Optimizers() {}

    /** Every name {@link #byName} accepts. */
    public static List<String> names() {
        return NAMES;
    }

    /** The optimizer called {@code name} (case-insensitive); for {@code auto} the choice for {@code dimension} and {@code budget}. */
    public static Optimizer byName(String name, int dimension, int budget) {
        String k = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (k) {
            case "cma", "cmaes", "cma-es" -> new CmaEs(0, 9);
            case "bobyqa" -> new Bobyqa();
            case "es", "1+1", "(1+1)-es" -> new OnePlusOneEs();
            case "random" -> new RandomSearch();
            case "auto" -> byName(autoChoice(dimension, budget), dimension, budget);
            default -> throw new BadInputException("unknown optimizer '" + name + "'; expected one of " + String.join(", ", NAMES));
        };
    }

    /** The name {@code auto} resolves to for this dimension and budget (see the class comment). */
    public static String autoChoice(int dimension, int budget) {
        if (budget < 2) return "random";
        if (dimension <= 1) return "es";
        if (budget <= 100L * dimension) return "bobyqa";
        return "cma";
    }
}
