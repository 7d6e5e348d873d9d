/*
 * Loads a PowerQuant artifact with plain DJL and classifies images. Nothing here calls PowerQuant: the plugin jar
 * only has to be on the classpath, where DJL finds the BlockFactory the artifact's serving.properties names.
 *
 * Run from the repository root (Java's single-file source launcher, the shaded jar on the classpath):
 *
 *   java -Dai.djl.offline=true -cp target/powerquant-cli.jar examples/ClassifyWithArtifact.java \
 *        /tmp/resnet18-w4a4 shirt.png boot.png
 *
 * Arguments: the artifact directory, then image files. Each image is preprocessed as the artifact's manifest
 * (powerquant.json) records: resized (bilinear), normalised with its mean and standard deviation, with its channel
 * count. Prints, per image, the predicted class index and its softmax probability.
 */

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

public class ClassifyWithArtifact {

    public static void main(String[] args) throws Exception {
        Path artifact = Path.of(args[0]);
        JsonObject preprocessing =
                JsonParser.parseString(Files.readString(artifact.resolve("powerquant.json")))
                        .getAsJsonObject()
                        .getAsJsonObject("preprocessing");

        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            for (int i = 1; i < args.length; i++) {
                Image image = ImageFactory.getInstance().fromFile(Path.of(args[i]));
                NDArray x = input(manager, image, preprocessing);
                NDArray probabilities = predictor.predict(new NDList(x)).singletonOrThrow().softmax(1);
                long label = probabilities.argMax(1).getLong(0);
                System.out.printf(
                        Locale.ROOT,
                        "%s: class %d (p = %.3f)%n",
                        args[i],
                        label,
                        probabilities.getFloat(0, label));
            }
        }
    }

    /** One image as the model expects it: (1, C, H, W), resized and normalised per the manifest. */
    private static NDArray input(NDManager manager, Image image, JsonObject p) {
        int channels = p.get("channels").getAsInt();
        NDArray x =
                image.toNDArray(manager, channels == 1 ? Image.Flag.GRAYSCALE : Image.Flag.COLOR)
                        .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                        .div(255f); // (H, W, C) in [0, 1]
        int size = p.get("imageSize").getAsInt();
        if (size > 0) {
            x = NDImageUtils.resize(x, size, size, Image.Interpolation.BILINEAR);
        } else {
            int shortSide = p.get("resizeShort").getAsInt();
            int h = image.getHeight();
            int w = image.getWidth();
            int newH = h <= w ? shortSide : shortSide * h / w;
            int newW = h <= w ? shortSide * w / h : shortSide;
            x = NDImageUtils.resize(x, newW, newH, Image.Interpolation.BILINEAR);
            int crop = p.get("centerCrop").getAsInt();
            x = NDImageUtils.centerCrop(x, crop, crop);
        }
        x = x.transpose(2, 0, 1); // (C, H, W)
        JsonArray mean = p.getAsJsonArray("mean");
        JsonArray std = p.getAsJsonArray("std");
        float[] m = new float[channels];
        float[] s = new float[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = mean.get(c).getAsFloat();
            s[c] = std.get(c).getAsFloat();
        }
        x = x.sub(manager.create(m).reshape(channels, 1, 1)).div(manager.create(s).reshape(channels, 1, 1));
        return x.expandDims(0);
    }
}
