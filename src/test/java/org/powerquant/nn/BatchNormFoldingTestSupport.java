package org.powerquant.nn;

import java.util.Random;

/**
 * Test helpers shared with other packages: trained-like batch-norm statistics for random networks.
 */
public final class BatchNormFoldingTestSupport {

    private BatchNormFoldingTestSupport() {}

    /**
     * Gives every batch norm random statistics and affine parameters.
     *
     * @param net the network
     * @param random the source of randomness
     */
    public static void randomiseBatchNorms(TorchvisionResNet net, Random random) {
        BatchNormFoldingTest.randomiseBatchNorms(net, random);
    }
}
