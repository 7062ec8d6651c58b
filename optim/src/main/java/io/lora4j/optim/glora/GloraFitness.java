package io.lora4j.optim.glora;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.engine.Backend;
import io.lora4j.optim.evolution.Fitness;

/**
 * GLoRA search fitness: top-1 accuracy of a configuration on an embedded image set. Per candidate the
 * model is reparameterized once (plain layers, no adapter cost in the forward) and the encoder runs on
 * the cached embeddings in batches.
 */
public final class GloraFitness implements Fitness<GloraConfig> {
    private final GloraVit glora;
    private final EmbeddedImages images;
    private final Backend backend;

    public GloraFitness(GloraVit glora, EmbeddedImages images, Backend backend) {
        this.glora = glora;
        this.images = images;
        this.backend = backend;
    }

    @Override
    public double evaluate(GloraConfig candidate) {
        return images.accuracy(glora.merged(candidate), backend);
    }
}
