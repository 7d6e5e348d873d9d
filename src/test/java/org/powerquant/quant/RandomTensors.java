package org.powerquant.quant;

import java.util.Random;

/**
 * Weight tensors shaped like trained ones: bell-shaped (Gaussian or Laplace) rows with varied
 * channel scales.
 */
final class RandomTensors {

    private RandomTensors() {}

    /** Kinds of distributions a test tensor is drawn from. */
    enum Kind {
        GAUSSIAN,
        LAPLACE,
        UNIFORM,
        SPARSE
    }

    static float[] draw(Random random, Kind kind, int channels, int perChannel) {
        float[] w = new float[channels * perChannel];
        for (int c = 0; c < channels; c++) {
            double channelScale = Math.exp(random.nextGaussian());
            for (int i = 0; i < perChannel; i++) {
                double v =
                        switch (kind) {
                            case GAUSSIAN -> random.nextGaussian();
                            case LAPLACE -> laplace(random);
                            case UNIFORM -> 2 * random.nextDouble() - 1;
                            case SPARSE -> random.nextDouble() < 0.3 ? 0 : laplace(random);
                        };
                w[c * perChannel + i] = (float) (0.05 * channelScale * v);
            }
        }
        return w;
    }

    static Kind anyKind(Random random) {
        Kind[] kinds = Kind.values();
        return kinds[random.nextInt(kinds.length)];
    }

    private static double laplace(Random random) {
        double u = random.nextDouble() - 0.5;
        return -Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
    }

    /**
     * The squared error of quantizing every weight one by one with {@link PowerQuantizer}, in
     * double precision.
     */
    static double naiveSquaredError(float[] w, int channels, ScaleMode mode, PowerQuantizer q) {
        float[] scales = scales(w, channels, mode);
        int length = w.length / scales.length;
        double sum = 0;
        double compensation = 0;
        for (int i = 0; i < w.length; i++) {
            float s = scales[i / length];
            int code = q.quantize(w[i], s);
            double reconstructed = Math.signum(code) * q.level(Math.abs(code)) * (double) s;
            double d = w[i] - reconstructed;
            double y = d * d - compensation;
            double t = sum + y;
            compensation = (t - sum) - y;
            sum = t;
        }
        return sum;
    }

    static float[] scales(float[] w, int channels, ScaleMode mode) {
        int count = mode == ScaleMode.PER_CHANNEL ? channels : 1;
        int length = w.length / count;
        float[] scales = new float[count];
        for (int i = 0; i < w.length; i++) {
            scales[i / length] = Math.max(scales[i / length], Math.abs(w[i]));
        }
        return scales;
    }

    /** The best exponent of a brute-force grid of step 0.001 over [0.2, 1.5]: {exponent, error}. */
    static double[] bruteForceGrid(SortedMagnitudes sorted, int bits) {
        double bestA = Double.NaN;
        double bestError = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= 1300; i++) {
            double a = 0.2 + i * 0.001;
            double e = sorted.squaredError(PowerQuantizer.signed(bits, a));
            if (e < bestError) {
                bestError = e;
                bestA = a;
            }
        }
        return new double[] {bestA, bestError};
    }
}
