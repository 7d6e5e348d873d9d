/**
 * Labelled image data and its preprocessing: what a model is evaluated or calibrated on.
 *
 * <p>A data set is named by a {@link org.powerquant.data.DatasetSpec} ({@code idx:IMAGES,LABELS},
 * {@code imagenet:DIR}, {@code folder:DIR} or a bare directory), read as a {@link
 * org.powerquant.data.LabelledImageDataset}, decoded to {@link org.powerquant.data.DecodedImage}s
 * and preprocessed as torchvision does it ({@link org.powerquant.data.Preprocessing}). Nothing here
 * runs a model.
 */
package org.powerquant.data;
