package org.powerquant.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.data.DecodedImage;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;

/**
 * Any data set the evaluator reads, preprocessed as for evaluation, as calibration images (labels
 * unused).
 */
final class DatasetCalibrationImages implements CalibrationImages {

    private final LabelledImageDataset dataset;
    private final Preprocessing preprocessing;
    private final int[] shape;

    DatasetCalibrationImages(LabelledImageDataset dataset, Preprocessing preprocessing) {
        int[] size = preprocessing.outputSize();
        if (size == null) {
            throw new IllegalArgumentException(
                    "--calibration needs a fixed input size: give --image-size or --center-crop");
        }
        this.dataset = dataset;
        this.preprocessing = preprocessing;
        this.shape = new int[] {preprocessing.channels(), size[0], size[1]};
    }

    @Override
    public int size() {
        return dataset.size();
    }

    @Override
    public int[] imageShape() {
        return shape.clone();
    }

    @Override
    public float[] image(int index) {
        try {
            DecodedImage image = preprocessing.apply(dataset.image(index));
            return image.pixels();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "--calibration: cannot read " + dataset.describe(index), e);
        }
    }

    @Override
    public String description() {
        return dataset.description();
    }
}
