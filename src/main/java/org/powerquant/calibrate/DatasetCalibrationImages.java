package org.powerquant.calibrate;

import java.io.IOException;
import java.util.Objects;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;

/**
 * Any labelled data set the evaluator reads, preprocessed exactly as for evaluation (the same
 * {@link Preprocessing}, the same resize path), as calibration images; labels are unused.
 */
public final class DatasetCalibrationImages implements CalibrationImages {

    private final LabelledImageDataset dataset;
    private final Preprocessing preprocessing;
    private final int[] shape;

    /**
     * Wraps a data set.
     *
     * @param dataset the images
     * @param preprocessing the preprocessing of the evaluation; it must give a fixed output size
     * @throws InvalidInputException for {@link Role#INPUT_SIZE} if the preprocessing's output size
     *     depends on each image (no image size and no centre crop)
     */
    public DatasetCalibrationImages(LabelledImageDataset dataset, Preprocessing preprocessing) {
        int[] size = preprocessing.outputSize();
        if (size == null) {
            throw new InvalidInputException(
                    Role.INPUT_SIZE,
                    "is unknown: calibration images need a fixed size (a plain resize or a centre"
                            + " crop)");
        }
        this.dataset = Objects.requireNonNull(dataset, "dataset");
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

    /**
     * {@inheritDoc}
     *
     * @throws InvalidInputException for {@link Role#CALIBRATION_DATA}, naming the image, if it
     *     cannot be read or decoded
     */
    @Override
    public float[] image(int index) {
        try {
            return preprocessing.apply(dataset.image(index)).pixels();
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException invalid) {
                throw invalid;
            }
            throw new InvalidInputException(
                    Role.CALIBRATION_DATA,
                    "image "
                            + dataset.describe(index)
                            + " cannot be read: "
                            + (e.getMessage() == null
                                    ? e.getClass().getSimpleName()
                                    : e.getMessage()),
                    e);
        }
    }

    @Override
    public String description() {
        return dataset.description();
    }
}
