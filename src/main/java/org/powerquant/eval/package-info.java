/**
 * Accuracy evaluation of image classifiers on labelled image data sets.
 *
 * <p>A data set is named by a {@link org.powerquant.eval.DatasetSpec} ({@code idx:IMAGES,LABELS},
 * {@code imagenet:DIR}, {@code folder:DIR} or a bare directory), decoded and preprocessed as
 * torchvision does it ({@link org.powerquant.eval.Preprocessing}), and scored by an {@link
 * org.powerquant.eval.Evaluator} that overlaps decoding with the model's forward pass. Results of
 * several quantization settings are gathered in a {@link org.powerquant.eval.ComparisonTable} and
 * drawn by {@link org.powerquant.eval.ComparisonChart}.
 */
package org.powerquant.eval;
