package org.powerquant.eval;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import org.junit.jupiter.api.Tag;
import org.powerquant.data.LabelledImageDataset;

/**
 * Evaluates the shared Fashion-MNIST ResNet-18 on its test set with the shared preprocessing and
 * prints the result as JSON. Not a test (surefire skips it): run with {@code java
 * -Dai.djl.offline=true -cp ... org.powerquant.eval.FashionMnistEvaluation [limit] [batchSize]}.
 */
@Tag("benchmark")
public final class FashionMnistEvaluation {

    private FashionMnistEvaluation() {}

    /**
     * Runs the evaluation.
     *
     * @param args limit (default 0 = all 10,000 images), batch size (default 64)
     * @throws Exception when the shared model or data cannot be read
     */
    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        LabelledImageDataset test = SharedModels.fashionMnistTest().open();
        try (ZooModel<NDList, NDList> model = SharedModels.loadResNet18()) {
            EvaluationResult r =
                    Evaluator.builder()
                            .preprocessing(SharedModels.fashionMnistPreprocessing())
                            .batchSize(batchSize)
                            .limit(limit)
                            .progress(System.err)
                            .build()
                            .evaluate(model, test);
            System.out.println(r.toJson());
            System.out.println(r);
        }
    }
}
