package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;
import java.util.List;

/**
 * One pre-norm transformer block (HF {@code ViTLayer}, timm {@code Block}):
 * h = x + O(attn(LN₁(x))); out = h + fc2(act(fc1(LN₂(h)))). HF's submodules ViTSelfOutput (attention
 * output dense), ViTIntermediate (dense + act) and ViTOutput (dense + residual) are the Linears
 * {@code attentionOutput}, {@code intermediate} and {@code output} here.
 */
public final class ViTLayer {
    private final Tensor[] layerNormBefore, layerNormAfter;
    private final ViTSelfAttention attention;
    private final Linear attentionOutput, intermediate, output;
    private final String attentionOutputName, intermediateName, outputName;
    private final Activation act;
    private final float eps;

    ViTLayer(Tensor[] layerNormBefore, ViTSelfAttention attention, Linear attentionOutput, Tensor[] layerNormAfter,
             Linear intermediate, Linear output, String attentionOutputName, String intermediateName, String outputName,
             Activation act, float eps) {
        this.layerNormBefore = layerNormBefore;
        this.attention = attention;
        this.attentionOutput = attentionOutput;
        this.layerNormAfter = layerNormAfter;
        this.intermediate = intermediate;
        this.output = output;
        this.attentionOutputName = attentionOutputName;
        this.intermediateName = intermediateName;
        this.outputName = outputName;
        this.act = act;
        this.eps = eps;
    }

    ViTLayer withLinears(LinearRewriter r) {
        return new ViTLayer(layerNormBefore, attention.withLinears(r), r.rewrite(attentionOutputName, attentionOutput),
                layerNormAfter, r.rewrite(intermediateName, intermediate), r.rewrite(outputName, output),
                attentionOutputName, intermediateName, outputName, act, eps);
    }

    void names(List<String> out) {
        attention.names(out);
        out.add(attentionOutputName);
        out.add(intermediateName);
        out.add(outputName);
    }

    public Tensor forward(Backend backend, Tensor x, ForwardContext ctx) {
        Tensor y = backend.layerNorm(x, layerNormBefore[0], layerNormBefore[1], eps);
        Tensor h = backend.add(x, attentionOutput.forward(backend, attention.forward(backend, y, ctx), ctx));
        y = backend.layerNorm(h, layerNormAfter[0], layerNormAfter[1], eps);
        y = act.apply(backend, intermediate.forward(backend, y, ctx));
        return backend.add(h, output.forward(backend, y, ctx));
    }
}
