package org.powerquant.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.powerquant.data.SkippedImage;

/**
 * The outcome of one evaluation: top-1 and top-5 accuracy as fractions in [0, 1], the number of
 * images scored, the wall-clock time, and the images that could not be read.
 */
public final class EvaluationResult {

    private final String dataset;
    private final int images;
    private final int top1Correct;
    private final int top5Correct;
    private final double seconds;
    private final List<SkippedImage> skippedImages;
    private final BitSet top1Hits;

    /**
     * Creates a result.
     *
     * @param dataset a description of the data set (e.g. {@code idx:a.gz,b.gz})
     * @param images the number of images scored (skipped images excluded)
     * @param top1Correct how many images had the true class as the highest logit
     * @param top5Correct how many images had the true class among the five highest logits
     * @param seconds the wall-clock duration of the evaluation
     * @param skippedImages the images that could not be read
     */
    public EvaluationResult(
            String dataset,
            int images,
            int top1Correct,
            int top5Correct,
            double seconds,
            List<SkippedImage> skippedImages) {
        this(dataset, images, top1Correct, top5Correct, seconds, skippedImages, null);
    }

    /**
     * Creates a result that knows which images were right, so that two models evaluated on the same
     * images can be compared image by image ({@link McNemarTest}).
     *
     * @param dataset a description of the data set (e.g. {@code idx:a.gz,b.gz})
     * @param images the number of images scored (skipped images excluded)
     * @param top1Correct how many images had the true class as the highest logit
     * @param top5Correct how many images had the true class among the five highest logits
     * @param seconds the wall-clock duration of the evaluation
     * @param skippedImages the images that could not be read
     * @param top1Hits the scored images (in data set order, skipped ones left out) whose top-1
     *     prediction was right: {@code top1Correct} bits below {@code images}; null if unknown
     */
    public EvaluationResult(
            String dataset,
            int images,
            int top1Correct,
            int top5Correct,
            double seconds,
            List<SkippedImage> skippedImages,
            BitSet top1Hits) {
        if (top1Hits != null
                && (top1Hits.cardinality() != top1Correct || top1Hits.length() > images)) {
            throw new IllegalArgumentException(
                    "per-image top-1 hits ("
                            + top1Hits.cardinality()
                            + " below "
                            + top1Hits.length()
                            + ") do not match "
                            + top1Correct
                            + " right of "
                            + images
                            + " images");
        }
        if (images < 0 || top1Correct < 0 || top1Correct > top5Correct || top5Correct > images) {
            throw new IllegalArgumentException(
                    "inconsistent counts: images "
                            + images
                            + ", top-1 "
                            + top1Correct
                            + ", top-5 "
                            + top5Correct);
        }
        this.dataset = dataset;
        this.images = images;
        this.top1Correct = top1Correct;
        this.top5Correct = top5Correct;
        this.seconds = seconds;
        this.skippedImages = Collections.unmodifiableList(List.copyOf(skippedImages));
        this.top1Hits = top1Hits == null ? null : (BitSet) top1Hits.clone();
    }

    /**
     * Returns the description of the evaluated data set.
     *
     * @return the data set description
     */
    public String dataset() {
        return dataset;
    }

    /**
     * Returns the number of images scored.
     *
     * @return the number of images scored
     */
    public int images() {
        return images;
    }

    /**
     * Returns the number of images whose top-1 prediction was right.
     *
     * @return the top-1 hit count
     */
    public int top1Correct() {
        return top1Correct;
    }

    /**
     * Returns the number of images whose true class was among the five highest logits.
     *
     * @return the top-5 hit count
     */
    public int top5Correct() {
        return top5Correct;
    }

    /**
     * Returns the top-1 accuracy.
     *
     * @return the fraction of images in [0, 1]
     */
    public double top1() {
        return images == 0 ? 0 : (double) top1Correct / images;
    }

    /**
     * Returns the top-5 accuracy.
     *
     * @return the fraction of images in [0, 1]
     */
    public double top5() {
        return images == 0 ? 0 : (double) top5Correct / images;
    }

    /**
     * Returns the wall-clock duration, decoding included.
     *
     * @return seconds
     */
    public double seconds() {
        return seconds;
    }

    /**
     * Returns the throughput.
     *
     * @return images scored per second of wall-clock time
     */
    public double imagesPerSecond() {
        return seconds > 0 ? images / seconds : 0;
    }

    /**
     * Returns the images that could not be read.
     *
     * @return the skipped images, in data set order
     */
    public List<SkippedImage> skippedImages() {
        return skippedImages;
    }

    /**
     * Returns which images had a right top-1 prediction, when the evaluation recorded it.
     *
     * @return bit {@code i} set if the {@code i}-th scored image was right; empty if unknown
     */
    public Optional<BitSet> top1Hits() {
        return Optional.ofNullable(top1Hits).map(h -> (BitSet) h.clone());
    }

    /**
     * Returns the result as a JSON object: {@code images}, {@code top1}, {@code top5}, {@code
     * seconds}, {@code imagesPerSecond}, then {@code top1Correct}, {@code top5Correct}, {@code
     * dataset} and {@code skippedImages} (a list of {@code {image, reason}}).
     *
     * @return the JSON tree
     */
    public JsonObject toJsonTree() {
        JsonObject o = new JsonObject();
        o.addProperty("images", images);
        o.addProperty("top1", top1());
        o.addProperty("top5", top5());
        o.addProperty("seconds", seconds);
        o.addProperty("imagesPerSecond", imagesPerSecond());
        o.addProperty("top1Correct", top1Correct);
        o.addProperty("top5Correct", top5Correct);
        o.addProperty("dataset", dataset);
        JsonArray skipped = new JsonArray();
        for (SkippedImage s : skippedImages) {
            JsonObject e = new JsonObject();
            e.addProperty("image", s.image());
            e.addProperty("reason", s.reason());
            skipped.add(e);
        }
        o.add("skippedImages", skipped);
        return o;
    }

    /**
     * Returns the result as pretty-printed JSON, see {@link #toJsonTree()}.
     *
     * @return the JSON text
     */
    public String toJson() {
        return new GsonBuilder().setPrettyPrinting().create().toJson(toJsonTree());
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return String.format(
                "%d images: top-1 %.2f %%, top-5 %.2f %% (%.1f s, %.1f images/s%s)",
                images,
                100 * top1(),
                100 * top5(),
                seconds,
                imagesPerSecond(),
                skippedImages.isEmpty() ? "" : ", " + skippedImages.size() + " skipped");
    }
}
