package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Random grids of ReLU outputs (lower bound 0) with their {@link ThresholdCells} tables. */
final class TabledGrids {

    /**
     * A grid and its table.
     *
     * @param grid the grid
     * @param cells its table
     */
    record Tabled(ActivationGrid grid, ThresholdCells cells) {}

    private TabledGrids() {}

    /**
     * Draws grids of 2 to 8 bits, exponents in {@code [0.2, 1.5]} and log-normal ranges, and keeps
     * those that have a table, at least half of them.
     *
     * @param random the source
     * @param trials how many grids to draw
     * @return the grids with a table
     */
    static List<Tabled> draw(Random random, int trials) {
        List<Tabled> out = new ArrayList<>();
        for (int trial = 0; trial < trials; trial++) {
            int bits = 2 + random.nextInt(7);
            double a = 0.2 + random.nextDouble() * 1.3;
            double range = Math.exp(random.nextGaussian() * 2);
            ActivationGrid grid = new ActivationGrid(bits, a, 0, range, 0, 0);
            Optional<ThresholdCells> table = ThresholdCells.of(grid);
            table.ifPresent(cells -> out.add(new Tabled(grid, cells)));
        }
        assertTrue(2 * out.size() >= trials, out.size() + " of " + trials + " grids have a table");
        return out;
    }
}
