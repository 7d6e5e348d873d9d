package org.powerquant.calibrate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.FoldedBatchNorm;

/**
 * Generates a small batch of inputs from a network alone, ZeroQ-style ("distilled data"): starting
 * from Gaussian noise, the images are optimised by gradient descent so that the batch statistics of
 * every batch-norm output match what the batch norm normalises to on the training data, the
 * per-channel mean {@code β} and standard deviation {@code |γ|} ({@link FoldedBatchNorm}).
 *
 * <p>The mismatch minimised is ZeroQ's,
 *
 * <pre>  L = sum over batch norms l of ( ||mean_l - β_l||² + ||std_l - |γ_l| ||² ) / C_l</pre>
 *
 * <p>with the batch mean and standard deviation of each channel over {@code (N, H, W)}. Matching a
 * batch norm's output statistics is the same as matching its input to the running mean and variance
 * (the batch norm is a per-channel affine map), and it works on folded networks too, whose batch
 * norms are reduced to per-channel biases (pass the statistics {@link
 * org.powerquant.nn.BatchNormFolding#fold} returned). The network runs in inference mode through
 * DJL's autograd with its parameters frozen (restored afterwards); the images are updated with Adam
 * under a cosine-decayed learning rate. The initial noise comes from {@link Random} with a fixed
 * seed and the number of iterations is fixed, so a given network, seed and engine thread count give
 * the same batch every time.
 *
 * <p>Immutable; build with {@link #builder()}.
 */
public final class DistilledData {

    private static final double STD_EPSILON = 1e-6;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPSILON = 1e-8;

    private final int batchSize;
    private final int iterations;
    private final double learningRate;
    private final long seed;

    private DistilledData(Builder builder) {
        batchSize = builder.batchSize;
        iterations = builder.iterations;
        learningRate = builder.learningRate;
        seed = builder.seed;
    }

    /**
     * Returns a builder: 16 images, 40 Adam iterations at learning rate 0.5, seed 0.
     *
     * @return a builder: 16 images, 40 Adam iterations at learning rate 0.5, seed 0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the number of images generated.
     *
     * @return the number of images generated
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Returns the number of optimisation steps.
     *
     * @return the number of optimisation steps
     */
    public int iterations() {
        return iterations;
    }

    /**
     * Returns the seed of the initial noise.
     *
     * @return the seed of the initial noise
     */
    public long seed() {
        return seed;
    }

    /**
     * Generates the batch.
     *
     * @param network the network (initialised or loaded; folded or not)
     * @param targets what each batch norm's output should look like, by batch-norm dotted name;
     *     batch norms without a target are not matched
     * @param height the image height
     * @param width the image width
     * @return the images and how well they match
     * @throws IllegalArgumentException if no batch norm of the network has a target, or a target's
     *     channel count differs from its batch norm's
     */
    public Batch generate(
            ConvNetwork network, Map<String, FoldedBatchNorm> targets, int height, int width) {
        long start = System.nanoTime();
        Shape shape = new Shape(batchSize, network.getInputChannels(), height, width);
        float[] noise = new float[Math.toIntExact(shape.size())];
        Random random = new Random(seed);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) random.nextGaussian();
        }
        NativeArrays.ownParameters(network);
        Map<Parameter, Boolean> recorded = freeze(network.getParameters().values());
        NDManager modelManager = anyParameterArray(network).getManager();
        try (NDManager persistent = modelManager.newSubManager()) {
            Map<String, NDArray[]> goal = new java.util.HashMap<>();
            for (Map.Entry<String, FoldedBatchNorm> e : targets.entrySet()) {
                NDArray mean =
                        NativeArrays.create(
                                persistent,
                                e.getValue().mean(),
                                new Shape(e.getValue().channels()));
                NDArray std =
                        NativeArrays.create(
                                persistent, e.getValue().std(), new Shape(e.getValue().channels()));
                goal.put(e.getKey(), new NDArray[] {mean, std});
            }
            ParameterStore store = new ParameterStore(persistent, false);
            BatchNormObservingForward forward = new BatchNormObservingForward(network, store);
            float[] x = noise;
            double[] m = new double[x.length];
            double[] v = new double[x.length];
            List<Double> history = new ArrayList<>(iterations + 1);
            for (int t = 1; t <= iterations; t++) {
                float[] gradient;
                try (NDManager step = persistent.newSubManager()) {
                    NDArray input = NativeArrays.create(step, x, shape);
                    input.setRequiresGradient(true);
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        NDArray[] loss = new NDArray[1];
                        history.add(mismatch(forward, input, goal, loss));
                        collector.backward(loss[0]);
                    }
                    gradient = input.getGradient().toFloatArray();
                }
                double rate =
                        learningRate
                                * (0.05
                                        + 0.95
                                                * 0.5
                                                * (1
                                                        + StrictMath.cos(
                                                                Math.PI * (t - 1) / iterations)));
                double correction1 = 1 - StrictMath.pow(BETA1, t);
                double correction2 = 1 - StrictMath.pow(BETA2, t);
                float[] next = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    double g = gradient[i];
                    m[i] = BETA1 * m[i] + (1 - BETA1) * g;
                    v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
                    next[i] =
                            (float)
                                    (x[i]
                                            - rate
                                                    * (m[i] / correction1)
                                                    / (Math.sqrt(v[i] / correction2)
                                                            + ADAM_EPSILON));
                }
                x = next;
            }
            try (NDManager step = persistent.newSubManager()) {
                history.add(mismatch(forward, NativeArrays.create(step, x, shape), goal, null));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Batch(
                    x, shape, history.get(0), history.get(history.size() - 1), iterations, seconds);
        } finally {
            restore(recorded);
        }
    }

    /**
     * The mismatch of a batch; the loss array, when asked for, is the graph's scalar for backward.
     */
    private static double mismatch(
            BatchNormObservingForward forward,
            NDArray x,
            Map<String, NDArray[]> goal,
            NDArray[] lossOut) {
        List<NDArray> terms = new ArrayList<>();
        forward.forward(
                x,
                (name, y) -> {
                    NDArray[] target = goal.get(name);
                    if (target == null) {
                        return;
                    }
                    long channels = y.getShape().get(1);
                    if (channels != target[0].size()) {
                        throw new IllegalArgumentException(
                                "batch norm "
                                        + name
                                        + " has "
                                        + channels
                                        + " channels but its target has "
                                        + target[0].size());
                    }
                    int[] axes = {1};
                    NDArray perChannel = y.transpose(1, 0, 2, 3).reshape(channels, -1);
                    NDArray mean = perChannel.mean(axes);
                    NDArray variance =
                            perChannel.sub(mean.reshape(channels, 1)).square().mean(axes);
                    // Scalars are engine-owned arrays, not Java numbers: autograd keeps a
                    // multiplication's operands for
                    // the backward pass, and a number's temporary tensor would be freed before then
                    // (see NativeArrays).
                    NDManager scope = y.getManager();
                    NDArray epsilon =
                            NativeArrays.create(
                                    scope, new float[] {(float) STD_EPSILON}, new Shape());
                    NDArray inverseChannels =
                            NativeArrays.create(scope, new float[] {1f / channels}, new Shape());
                    NDArray std = variance.add(epsilon).sqrt();
                    NDArray term =
                            mean.sub(target[0])
                                    .square()
                                    .sum()
                                    .add(std.sub(target[1]).square().sum())
                                    .mul(inverseChannels);
                    terms.add(term);
                });
        if (terms.isEmpty()) {
            throw new IllegalArgumentException(
                    "no batch norm of the network has a target statistic");
        }
        NDArray loss = terms.get(0);
        for (int i = 1; i < terms.size(); i++) {
            loss = loss.add(terms.get(i));
        }
        if (lossOut != null) {
            lossOut[0] = loss;
        }
        return loss.getFloat();
    }

    private static NDArray anyParameterArray(ConvNetwork network) {
        for (Parameter p : network.getParameters().values()) {
            if (p.isInitialized()) {
                return p.getArray();
            }
        }
        throw new IllegalArgumentException(network + " is not initialised");
    }

    private static Map<Parameter, Boolean> freeze(Collection<Parameter> parameters) {
        IdentityHashMap<Parameter, Boolean> recorded = new IdentityHashMap<>();
        for (Parameter p : parameters) {
            if (p.isInitialized()) {
                NDArray array = p.getArray();
                recorded.put(p, array.hasGradient());
                if (array.hasGradient()) {
                    array.setRequiresGradient(false);
                }
            }
        }
        return recorded;
    }

    private static void restore(Map<Parameter, Boolean> recorded) {
        for (Map.Entry<Parameter, Boolean> e : recorded.entrySet()) {
            if (e.getValue()) {
                e.getKey().getArray().setRequiresGradient(true);
            }
        }
    }

    /**
     * A generated batch.
     *
     * @param images the images, row-major in {@code shape}
     * @param shape (N, C, H, W)
     * @param initialMismatch the mismatch of the initial noise
     * @param finalMismatch the mismatch of the returned images
     * @param iterations the optimisation steps taken
     * @param seconds the time taken
     */
    public record Batch(
            float[] images,
            Shape shape,
            double initialMismatch,
            double finalMismatch,
            int iterations,
            double seconds) {

        /**
         * Returns how many times smaller the final mismatch is than the initial one.
         *
         * @return how many times smaller the final mismatch is than the initial one
         */
        public double reduction() {
            return initialMismatch / finalMismatch;
        }
    }

    /** Options of {@link DistilledData}. */
    public static final class Builder {
        private int batchSize = 16;
        private int iterations = 40;
        private double learningRate = 0.5;
        private long seed;

        private Builder() {}

        /**
         * Sets how many images are generated.
         *
         * @param size at least 2 (a standard deviation needs two samples)
         * @return this builder
         */
        public Builder batchSize(int size) {
            if (size < 2) {
                throw new IllegalArgumentException(
                        "distilled batch size must be at least 2, got " + size);
            }
            this.batchSize = size;
            return this;
        }

        /**
         * Sets the number of Adam steps.
         *
         * @param steps at least 0
         * @return this builder
         */
        public Builder iterations(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException(
                        "distillation iterations must be non-negative, got " + steps);
            }
            this.iterations = steps;
            return this;
        }

        /**
         * Sets Adam's initial learning rate (decayed along a cosine to 5 % of it).
         *
         * @param rate {@code > 0}
         * @return this builder
         */
        public Builder learningRate(double rate) {
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException(
                        "distillation learning rate must be positive, got " + rate);
            }
            this.learningRate = rate;
            return this;
        }

        /**
         * Sets the seed of the initial noise.
         *
         * @param noiseSeed the seed
         * @return this builder
         */
        public Builder seed(long noiseSeed) {
            this.seed = noiseSeed;
            return this;
        }

        /**
         * Returns the generator.
         *
         * @return the generator
         */
        public DistilledData build() {
            return new DistilledData(this);
        }
    }
}
