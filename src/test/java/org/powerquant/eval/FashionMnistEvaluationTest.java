package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.powerquant.data.LabelledImageDataset;

/**
 * Evaluates the shared Fashion-MNIST ResNet-18 with the shared preprocessing: a check that decoding
 * and preprocessing reproduce what PyTorch measured (92.90 % top-1 on the first 2,000 test images,
 * shared/README.md).
 */
class FashionMnistEvaluationTest {

    private static final double PYTORCH_TOP1_FIRST_2000 = 0.9290;

    @Test
    void resnet18OnTheFirst2000TestImagesMatchesPyTorch() throws IOException, ModelException {
        Assumptions.assumeTrue(
                Files.isRegularFile(SharedModels.resnet18())
                        && Files.isDirectory(SharedModels.fashionMnist()),
                "../shared absent: skipping the Fashion-MNIST ResNet-18 evaluation");
        LabelledImageDataset test = SharedModels.fashionMnistTest().open();
        try (ZooModel<NDList, NDList> model = SharedModels.loadResNet18()) {
            EvaluationResult r =
                    Evaluator.builder()
                            .preprocessing(SharedModels.fashionMnistPreprocessing())
                            .batchSize(100)
                            .limit(2000)
                            .progress(System.err)
                            .build()
                            .evaluate(model, test);
            System.err.println("fmnist_resnet18, first 2000: " + r);
            assertEquals(2000, r.images());
            assertEquals(PYTORCH_TOP1_FIRST_2000, r.top1(), 0.003, r.toString());
        }
    }
}
