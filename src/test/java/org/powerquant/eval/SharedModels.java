package org.powerquant.eval;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Path;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.Preprocessing;

/** The shared Fashion-MNIST ResNet-18 and its data, as the shared README describes them. */
final class SharedModels {

    private SharedModels() {}

    static Path resnet18() {
        return Fixtures.shared().resolve("models/fmnist_resnet18.pt");
    }

    static Path fashionMnist() {
        return Fixtures.shared().resolve("data/fashion-mnist");
    }

    static DatasetSpec fashionMnistTest() {
        Path d = fashionMnist();
        return DatasetSpec.parse(
                "idx:"
                        + d.resolve("t10k-images-idx3-ubyte.gz")
                        + ","
                        + d.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    /** 28x28 / 255, bilinear to 64x64, mean 0.2860, std 0.3530, grey repeated to 3 channels. */
    static Preprocessing fashionMnistPreprocessing() {
        return Preprocessing.builder().imageSize(64).mean(0.2860f).std(0.3530f).build();
    }

    static ZooModel<NDList, NDList> loadResNet18()
            throws IOException, ModelNotFoundException, MalformedModelException {
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(resnet18())
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        return criteria.loadModel();
    }
}
