package org.powerquant.cli;

import java.util.EnumMap;
import java.util.Map;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/** The one place where the library's roles become the command line's flags. */
final class Flags {

    private static final Map<Role, String> FLAGS = new EnumMap<>(Role.class);

    static {
        FLAGS.put(Role.WEIGHT_BITS, "--weight-bits");
        FLAGS.put(Role.ACTIVATION_BITS, "--activation-bits");
        FLAGS.put(Role.LAST_LAYER_BITS, "--last-layer-bits");
        FLAGS.put(Role.QUANTIZE_INPUT, "--quantize-input");
        FLAGS.put(Role.METHOD, "--method");
        FLAGS.put(Role.EXPONENT_BOUNDS, "--exponent-min/--exponent-max");
        FLAGS.put(Role.TOLERANCE, "--tolerance");
        FLAGS.put(Role.WEIGHT_ROUNDING, "--rounding");
        FLAGS.put(Role.ACTIVATION_ROUNDING, "--activation-rounding");
        FLAGS.put(Role.SIZE_BUDGET, "--size-budget");
        FLAGS.put(Role.SKIP, "--skip");
        FLAGS.put(Role.BIAS_CORRECTION, "--bias-correction");
        FLAGS.put(Role.CALIBRATION_MODE, "--calibration-mode");
        FLAGS.put(Role.CALIBRATION_DATA, "--calibration");
        FLAGS.put(Role.CALIBRATION_IMAGES, "--calibration-images");
        FLAGS.put(Role.SEED, "--seed");
        FLAGS.put(Role.INPUT_SIZE, "input size (--image-size or --center-crop)");
        FLAGS.put(Role.IMAGE_SIZE, "--image-size");
        FLAGS.put(Role.RESIZE_SHORT, "--resize-short");
        FLAGS.put(Role.CENTER_CROP, "--center-crop");
        FLAGS.put(Role.MEAN, "--mean");
        FLAGS.put(Role.STD, "--std");
        FLAGS.put(Role.CHANNELS, "--channels");
        FLAGS.put(Role.BATCH_SIZE, "--batch-size");
        FLAGS.put(Role.LIMIT, "--limit");
        FLAGS.put(Role.DATASET, "--dataset");
        FLAGS.put(Role.MODEL, "--model");
        FLAGS.put(Role.OUTPUT, "--output");
        FLAGS.put(Role.REPORT, "--report");
        FLAGS.put(Role.JSON, "--json");
        FLAGS.put(Role.PLOT, "--plot");
        FLAGS.put(Role.SETTINGS, "--settings");
        FLAGS.put(Role.METHODS, "--methods");
        FLAGS.put(Role.DEVICE, "--device");
    }

    private Flags() {}

    /**
     * Returns the flag of a role, or the role's name when no flag sets it.
     *
     * @return the flag of a role, or the role's name when no flag sets it
     */
    static String of(Role role) {
        return FLAGS.getOrDefault(role, role.label());
    }

    /**
     * Returns the error as the command line says it: the flag, then the problem.
     *
     * @return the error as the command line says it: the flag, then the problem
     */
    static String message(InvalidInputException e) {
        return of(e.role()) + " " + e.problem();
    }

    /**
     * Returns a refusal naming a role's flag.
     *
     * @return a refusal naming a role's flag
     */
    static InvalidInputException refuse(Role role, String problem) {
        return new InvalidInputException(role, problem);
    }
}
