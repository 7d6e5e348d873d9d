/**
 * Accuracy evaluation of image classifiers on the data sets of {@link org.powerquant.data}.
 *
 * <p>An {@link org.powerquant.eval.Evaluator} overlaps decoding with the model's forward pass and
 * scores top-1/top-5. Results of several quantization settings are gathered in a {@link
 * org.powerquant.eval.ComparisonTable} and drawn by {@link org.powerquant.eval.ComparisonChart}.
 */
package org.powerquant.eval;
