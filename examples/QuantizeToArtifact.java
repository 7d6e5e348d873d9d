/*
 * Quantizes a torchvision ResNet in one call through DJL's Criteria and saves it as a PowerQuant artifact: one
 * directory with the weights bit-packed at B bits, the activation grids, the report and the preprocessing, which
 * plain DJL loads back (see ClassifyWithArtifact.java).
 *
 * Run from the repository root (Java's single-file source launcher, the shaded jar on the classpath):
 *
 *   mvn -q -B package -DskipTests && \
 *   java -Dai.djl.offline=true -cp target/powerquant-cli.jar examples/QuantizeToArtifact.java \
 *        --model ../shared/models/fmnist_resnet18.pt --out /tmp/resnet18-w4a4
 *
 * Options: --model PATH (a TorchScript torchvision ResNet; default ../shared/models/fmnist_resnet18.pt; with DJL's
 * hub reachable, a zoo model works the same way through optGroupId/optArtifactId/optFilter instead of optModelPath),
 * --out DIR, --weight-bits B (4), --activation-bits A (4; 0 keeps activations in float), --image-size S (64),
 * --mean M (0.2860), --std S (0.3530): the preprocessing the model expects, recorded in the artifact.
 */

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.data.Preprocessing;
import org.powerquant.transform.PowerQuantTransform;

public class QuantizeToArtifact {

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        Path model = Path.of(o.getOrDefault("--model", "../shared/models/fmnist_resnet18.pt"));
        Path out = Path.of(o.getOrDefault("--out", "resnet18-w4a4"));
        int weightBits = Integer.parseInt(o.getOrDefault("--weight-bits", "4"));
        int activationBits = Integer.parseInt(o.getOrDefault("--activation-bits", "4"));
        int size = Integer.parseInt(o.getOrDefault("--image-size", "64"));
        float mean = Float.parseFloat(o.getOrDefault("--mean", "0.2860"));
        float std = Float.parseFloat(o.getOrDefault("--std", "0.3530"));

        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(model)
                        .optEngine("PyTorch")
                        .build();
        PowerQuantTransform transform =
                PowerQuantTransform.builder()
                        .weightBits(weightBits)
                        .activationBits(activationBits)
                        .imageSize(size, size) // synthetic calibration images at the model's input size
                        .build();
        try (QuantizedModel<NDList, NDList> q = PowerQuant.loadQuantized(criteria, transform)) {
            System.out.println(q.report().toTable());
            Preprocessing preprocessing =
                    Preprocessing.builder().imageSize(size).mean(mean).std(std).build();
            PowerQuant.save(q, out, preprocessing);
        }
        System.out.println("saved " + out);
    }
}
