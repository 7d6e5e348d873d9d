package org.powerquant.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.CellTableLookup;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.PowerQuantizer;
import org.powerquant.quant.ThresholdCells;

/**
 * A per-tensor activation fake-quantizer: maps every element of a tensor to the level of its {@link
 * ActivationGrid}, with as few float32 passes over the tensor as the engine allows.
 *
 * <p>With {@code N = 2^bits − 1}, lower bound {@code l}, range {@code c} and exponent {@code a}:
 * {@code x = clip(y − l, 0, c) / c}, code {@code k = round(N x^a)} (or, for a grid with {@link
 * CodeRounding#NEAREST_LEVEL}, the code of the level nearest to {@code x}), output {@code l + c
 * (k/N)^(1/a)}. Install it with {@link Relu#setOutputTransform} or the transform hooks of {@link
 * ConvNetwork}; a {@link Relu} skips its own pass when {@link #absorbsClip} says the quantizer's
 * clip does its work. On the engine:
 *
 * <ul>
 *   <li>uniform grids ({@code a = 1}): {@code clip}, one in-place multiply by {@code N/c}, {@code
 *       round}, one in-place multiply by {@code c/N}: four passes, each about a ReLU's cost;
 *   <li>power grids with {@code l = 0} (every ReLU output) whose {@link ThresholdCells} table has
 *       at most {@value ThresholdCells#MAX_CELLS} cells: no {@code pow} at all. Where the engine
 *       exposes the memory of the input's device to Java ({@link #looksUpInJava}: DJL's PyTorch
 *       engine on the CPU), one pass of plain Java ({@link CellTableLookup}) reads the input
 *       through {@link NDArray#toByteBuffer(boolean) its direct buffer} and writes the levels into
 *       a new array's, split between threads for large tensors: about half the time of the engine's
 *       seven operations, which no DJL or TorchScript operation fuses. Elsewhere (a GPU, another
 *       engine, or an {@link #engineOnly()} quantizer) the engine computes the same outputs: {@code
 *       clip}, an in-place multiply by the power of two {@code 2^p} (exact), the cell index {@code
 *       j} ({@code toType(INT64)}), the cell's threshold ({@code take}), one comparison added to
 *       {@code j} in place, and the output looked up in the table of the cells' levels ({@code
 *       take});
 *   <li>other power grids (a signed input, or a table too large): {@code clip}, in-place multiply
 *       by {@code 1/c}, in-place {@code pow}, in-place multiply by {@code N}, {@code round}, then
 *       the output is looked up in the table of the {@code N + 1} levels ({@code take});
 *   <li>other power grids with {@link CodeRounding#NEAREST_LEVEL}: the same {@code pow} on a copy
 *       of the clipped input gives {@code j = min(floor(N x^a), N − 1)}, the level at or below
 *       {@code x} ({@code y} minus the smallest float32 at or above {@code l}, minus in a further
 *       pass the float32 remainder of {@code l} when {@code l} is not a float32, so that {@code x}
 *       is accurate to a few ulps near zero too, then clipped to {@code [0, 1]}); the input is then
 *       compared with the exact float32 input {@code t_j} at which the code steps up from {@code j}
 *       ({@link ThresholdCells#inputThresholds}, {@code take}), the comparison added to {@code j},
 *       and the output looked up as above.
 * </ul>
 *
 * <p><b>Agreement with {@link org.powerquant.quant.PowerQuantizer#code(double)}.</b> On the table
 * path ({@link #codesExact()}) the codes equal the pure-Java quantizer's (float64, {@link
 * StrictMath#pow}, half up) for every float32 input: the table holds the exact float32 inputs at
 * which that code steps up. On the other paths the arithmetic is float32, so a code can differ from
 * the pure-Java quantizer's only where float32 rounding decides between two neighbouring codes: by
 * at most one, and only when {@code |N x^a − (k + 1/2)| <= 2^-20 N (1 + |l|/c)} for the threshold
 * {@code k + 1/2} between them (ties, exactly on the threshold, are rounded half to even).
 * Everywhere else the codes are equal. On the nearest-level {@code pow} path the float32 {@code N
 * x^a} only has to find the level below {@code x} to within one, and the comparison with the exact
 * threshold settles the code: the codes equal the pure-Java quantizer's for every float32 input
 * whenever {@code N m_j^a}, at each midpoint {@code m_j} of levels {@code j} and {@code j + 1}, is
 * more than {@code 2^-19 N (1 + |l|/c)} (twice the band above) from both {@code j} and {@code j +
 * 1}, which {@link #codesExact()} checks for the grid (it holds for every exponent the searches
 * consider, {@code [0.2, 1.5]}, with {@code |l| <= c}); otherwise a code can still differ only by
 * one, where {@code N x^a} is within that band of an integer. {@code ActivationQuantizerTest}
 * checks both on random inputs and on inputs placed on and next to every threshold. The output of a
 * power grid is exactly the float32 level {@code (float) (l + c level(k))} of the code; that of a
 * uniform grid, {@code k (c/N) + l} in float32, is within {@code 2^-22 (c + |l|)} of it.
 *
 * <p><b>Native tables.</b> The table paths look levels and thresholds up in engine arrays (up to
 * {@value ThresholdCells#MAX_CELLS} entries each), and every path multiplies by one or two scalar
 * arrays. A quantizer made with an owner ({@link #ActivationQuantizer(ActivationGrid, NDManager)}
 * or {@link #ActivationQuantizer(ActivationGrid, Supplier)}; {@link ActivationQuantizers#install}
 * and the transform give the manager that holds the network's parameters, i.e. the model's) creates
 * them on its first call on each device, in a sub-manager of the owner on that device, and reuses
 * them on every later call: closing the owner (closing the model) frees them, and a quantizer whose
 * owner is closed refuses to run. The tables are only read after creation, and their creation per
 * device is atomic, so concurrent predictors may share one quantizer. Without an owner ({@link
 * #ActivationQuantizer(ActivationGrid)}) the tables are copied into the input's manager on every
 * call: right for one-off use, slower for inference. Every array a call returns or computes belongs
 * to its input's manager.
 */
public final class ActivationQuantizer implements UnaryOperator<NDArray> {

    /** The fewest elements worth a thread of their own in the Java lookup. */
    private static final int MIN_PART = 1 << 15;

    private final ActivationGrid grid;
    private final int maxCode;
    private final boolean uniform;
    private final float lower;
    private final float upper;
    private final float inverseRange;
    private final float codeScale;
    private final float levelScale;
    private final float[] levels;
    private final ThresholdCells cells;
    private final float[] cellLevels;
    private final float[] cellThresholds;
    private final int[] cellCodes;
    private final float[] inputThresholds;
    private final float nearestLower;
    private final float nearestRemainder;
    private final boolean nearestExact;
    private final CellTableLookup lookup;
    private final Supplier<NDManager> owner;
    private final Map<Device, Tables> tablesByDevice = new ConcurrentHashMap<>();
    private final Map<EngineDevice, Boolean> memoryExposed = new ConcurrentHashMap<>();

    /**
     * Creates a quantizer for a grid whose native tables are copied into the input's manager on
     * every call.
     *
     * @param grid the grid
     */
    public ActivationQuantizer(ActivationGrid grid) {
        this(null, grid, true);
    }

    /**
     * Creates a quantizer for a grid whose native tables are created once per device, in
     * sub-managers of an owner, and freed when the owner closes.
     *
     * @param grid the grid
     * @param owner the manager whose lifetime bounds the tables' (the model's, or the manager that
     *     holds the network's parameters)
     */
    public ActivationQuantizer(ActivationGrid grid, NDManager owner) {
        this(grid, constant(Objects.requireNonNull(owner, "owner")));
    }

    /**
     * Creates a quantizer for a grid whose native tables are created once per device, in
     * sub-managers of an owner looked up on the first call on that device (so that a quantizer can
     * be installed on a network before its parameters are loaded), and freed when the owner closes.
     *
     * @param grid the grid
     * @param owner supplies the manager whose lifetime bounds the tables'
     */
    public ActivationQuantizer(ActivationGrid grid, Supplier<NDManager> owner) {
        this(Objects.requireNonNull(owner, "owner"), grid, true);
    }

    private static Supplier<NDManager> constant(NDManager owner) {
        return () -> owner;
    }

    private ActivationQuantizer(Supplier<NDManager> owner, ActivationGrid grid, boolean inJava) {
        this.owner = owner;
        this.grid = Objects.requireNonNull(grid, "grid");
        PowerQuantizer quantizer = grid.quantizer();
        this.maxCode = quantizer.maxCode();
        this.uniform = grid.exponent() == 1.0;
        this.lower = (float) grid.lower();
        this.upper = (float) (grid.lower() + grid.range());
        this.inverseRange = (float) (1.0 / grid.range());
        this.codeScale = (float) (maxCode / grid.range());
        this.levelScale = (float) (grid.range() / maxCode);
        this.levels = new float[maxCode + 1];
        for (int k = 0; k <= maxCode; k++) {
            levels[k] = (float) (grid.lower() + grid.range() * quantizer.level(k));
        }
        this.cells = uniform ? null : ThresholdCells.of(grid).orElse(null);
        boolean nearest =
                !uniform && cells == null && grid.rounding() == CodeRounding.NEAREST_LEVEL;
        this.inputThresholds = nearest ? ThresholdCells.inputThresholds(grid) : null;
        float lowerUp = (float) grid.lower();
        if (lowerUp < grid.lower()) {
            lowerUp = Math.nextUp(lowerUp);
        }
        this.nearestLower = lowerUp;
        this.nearestRemainder = (float) (grid.lower() - lowerUp); // <= 0: x stays >= 0
        this.nearestExact = nearest && levelBelowIsFoundWithinOne(grid);
        if (cells == null) {
            this.cellLevels = null;
            this.cellThresholds = null;
            this.cellCodes = null;
        } else {
            this.cellThresholds = cells.cellThresholds();
            this.cellCodes = cells.codes();
            this.cellLevels = new float[cellCodes.length];
            for (int m = 0; m < cellCodes.length; m++) {
                cellLevels[m] = levels[cellCodes[m]];
            }
        }
        this.lookup = inJava && cells != null ? new CellTableLookup(cells, upper, levels) : null;
    }

    /**
     * A quantizer of the same grid and owner that never looks levels up in Java: the engine's
     * operations on every device. The baseline of the Java lookup, in tests and benchmarks.
     *
     * @return the quantizer
     */
    public ActivationQuantizer engineOnly() {
        return new ActivationQuantizer(owner, grid, false);
    }

    /**
     * Whether {@link #apply} looks an array's levels up in Java: on the table path, when the
     * array's engine exposes the memory of arrays on its device to Java (DJL's PyTorch engine on
     * the CPU; checked once per engine and device by writing through {@link
     * NDArray#toByteBuffer(boolean)} and reading back), unless the quantizer is {@link
     * #engineOnly()}.
     *
     * @param y an input
     * @return whether its outputs are computed in Java
     */
    public boolean looksUpInJava(NDArray y) {
        if (lookup == null) {
            return false;
        }
        NDManager manager = y.getManager();
        return memoryExposed.computeIfAbsent(
                new EngineDevice(manager.getEngine().getEngineName(), y.getDevice()),
                key -> EngineMemory.isExposed(manager));
    }

    private record EngineDevice(String engine, Device device) {}

    /** The table path in one Java pass over the input's memory, into a new array's memory. */
    private NDArray lookUpInJava(NDArray y) {
        NDArray input = float32(y);
        NDArray out = y.getManager().create(input.getShape(), DataType.FLOAT32);
        int n = Math.toIntExact(input.size());
        if (n == 0) {
            return out;
        }
        FloatBuffer in = input.toByteBuffer(true).asFloatBuffer();
        FloatBuffer target = out.toByteBuffer(true).asFloatBuffer();
        int parts = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), n / MIN_PART));
        if (parts == 1) {
            lookup.apply(in, target, 0, n);
        } else {
            IntStream.range(0, parts)
                    .parallel()
                    .forEach(
                            p ->
                                    lookup.apply(
                                            in,
                                            target,
                                            (int) ((long) n * p / parts),
                                            (int) ((long) n * (p + 1) / parts)));
        }
        return out;
    }

    /**
     * Whether a float32 {@code N x^a}, within {@code 2^-19 N (1 + |l|/c)} of the exact one, always
     * gives {@code floor} within one of the code below: at every midpoint {@code m_j} of levels
     * {@code j} and {@code j + 1}, {@code N m_j^a} is further than that from {@code j} and {@code j
     * + 1}.
     */
    private static boolean levelBelowIsFoundWithinOne(ActivationGrid grid) {
        PowerQuantizer q = grid.quantizer();
        int n = q.maxCode();
        double band = Math.scalb(1.0, -19) * n * (1 + Math.abs(grid.lower()) / grid.range());
        for (int j = 0; j < n; j++) {
            double u = n * StrictMath.pow(q.threshold(j), grid.exponent());
            if (!(u - j > band && j + 1 - u > band)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the grid.
     *
     * @return the grid
     */
    public ActivationGrid grid() {
        return grid;
    }

    /**
     * Whether the codes equal {@link org.powerquant.quant.PowerQuantizer#code(double)} of {@code (y
     * − l) / c} for every float32 input {@code y} (the table path, and the nearest-level {@code
     * pow} path of grids whose midpoints are clear of the float32 band), rather than outside a
     * float32 band.
     *
     * @return true on the table path and the exact nearest-level path
     */
    public boolean codesExact() {
        return cells != null || nearestExact;
    }

    /**
     * Whether the output is non-decreasing in the input, so that the quantizer commutes with max
     * pooling: true for uniform grids (clip, multiplication by a positive constant and rounding are
     * each non-decreasing in float32) and where {@link #codesExact()} (the codes are {@link
     * org.powerquant.quant.PowerQuantizer}'s, which are non-decreasing), not guaranteed by a
     * float32 {@code pow}.
     *
     * @return whether {@code apply} is non-decreasing element by element
     */
    public boolean nonDecreasing() {
        return uniform || codesExact();
    }

    /**
     * Whether clipping the input to {@code [min, max]} first leaves the output unchanged: true when
     * the quantizer's own float32 clipping interval lies inside it. A {@link Relu} ({@code [0, ∞)})
     * or {@link Relu6} ({@code [0, 6]}) then skips its pass.
     *
     * @param min the lower end of the clip
     * @param max the upper end of the clip
     * @return whether {@code apply(clip(y, min, max))} equals {@code apply(y)} for every {@code y}
     */
    public boolean absorbsClip(double min, double max) {
        return lower >= min && upper <= max;
    }

    /**
     * Returns the codes of a tensor, {@code 0 .. 2^bits − 1}, as an int32 tensor.
     *
     * @param y the tensor
     * @return the codes, same shape
     */
    public NDArray codes(NDArray y) {
        Tables tables = tables(y, true);
        if (cells != null) {
            return tables.cellCodes().take(y.getManager(), cellIndices(y, tables));
        }
        if (inputThresholds != null) {
            return nearestLevelCodes(y, tables).toType(DataType.INT32, false);
        }
        NDArray codes = uniform ? uniformCodes(y, tables) : powerCodes(y, tables);
        return codes.toType(DataType.INT32, false);
    }

    /**
     * The table index of every element ({@link ThresholdCells#index}): {@code j = (long) (clip(y,
     * 0, c) 2^p)}, plus one where the scaled value reaches cell {@code j}'s threshold.
     */
    private NDArray cellIndices(NDArray y, Tables tables) {
        NDArray scaled = float32(y).clip(0f, upper);
        scaled.muli(tables.scale());
        NDArray index = scaled.toType(DataType.INT64, false);
        NDArray thresholds = tables.thresholds().take(y.getManager(), index);
        index.addi(scaled.gte(thresholds));
        return index;
    }

    /**
     * The nearest-level codes as int64: {@code j = min(floor(N clip((y − l) / c, 0, 1)^a), N − 1)},
     * plus one where the input reaches the exact input threshold {@code t_j}. Every float32 {@code
     * y} below the smallest float32 at or above {@code l} is at or below {@code l}: it gets {@code
     * x = 0}, hence {@code j = 0}, and stays below {@code t_0}.
     */
    private NDArray nearestLevelCodes(NDArray y, Tables tables) {
        NDArray input = float32(y);
        NDArray x = nearestLower != 0 ? input.sub(nearestLower) : input.mul(tables.scale());
        if (nearestRemainder != 0) {
            x.subi(nearestRemainder);
        }
        if (nearestLower != 0) {
            x.muli(tables.scale());
        }
        x = x.clip(0f, 1f);
        x.powi(grid.exponent());
        NDArray below = x.muli(tables.rescale()).floor().clip(0f, maxCode - 1f);
        NDArray codes = below.toType(DataType.INT64, false);
        NDArray thresholds = tables.thresholds().take(y.getManager(), codes);
        codes.addi(input.gte(thresholds));
        return codes;
    }

    /** {@code round(N (clip(y - l, 0, c) / c)^a)} as float32, in five passes. */
    private NDArray powerCodes(NDArray y, Tables tables) {
        NDArray x = float32(y).clip(lower, upper);
        if (lower != 0) {
            x.subi(lower);
        }
        x.muli(tables.scale());
        x.powi(grid.exponent());
        return x.muli(tables.rescale()).round();
    }

    /** {@code round(clip(y - l, 0, c) N / c)} as float32, in three passes. */
    private NDArray uniformCodes(NDArray y, Tables tables) {
        NDArray x = float32(y).clip(lower, upper);
        if (lower != 0) {
            x.subi(lower);
        }
        return x.muli(tables.scale()).round();
    }

    /**
     * The engine arrays of one device. {@code scale} is the factor applied to the clipped input
     * ({@code 2^p} on the table path, {@code N/c} for a uniform grid, {@code 1/c} on the {@code
     * pow} path) and {@code rescale} the second one ({@code c/N} to a uniform grid's output, {@code
     * N} before the {@code pow} path's rounding), both as scalar arrays so that no call copies them
     * into the engine; the cells' thresholds, levels and codes on the table path, the levels of the
     * codes on the {@code pow} path (and the exact input thresholds on its nearest-level variant);
     * null where the path needs none.
     */
    private record Tables(
            NDManager manager,
            NDArray scale,
            NDArray rescale,
            NDArray thresholds,
            NDArray cellLevels,
            NDArray cellCodes,
            NDArray levels) {}

    /** The tables on the input's device: the owner's, or copies in the input's manager. */
    private Tables tables(NDArray y, boolean withCodes) {
        if (owner == null) {
            return createTables(y.getManager(), withCodes);
        }
        Tables tables =
                tablesByDevice.computeIfAbsent(
                        y.getDevice(),
                        device -> createTables(owner.get().newSubManager(device), true));
        if (!tables.manager().isOpen()) {
            throw new IllegalStateException(
                    this + ": the manager that owns its tables is closed (was its model closed?)");
        }
        return tables;
    }

    private Tables createTables(NDManager manager, boolean withCodes) {
        if (uniform) {
            return new Tables(
                    manager,
                    manager.create(codeScale),
                    manager.create(levelScale),
                    null,
                    null,
                    null,
                    null);
        }
        if (cells != null) {
            return new Tables(
                    manager,
                    manager.create(cells.scale()),
                    null,
                    manager.create(cellThresholds),
                    manager.create(cellLevels),
                    withCodes ? manager.create(cellCodes) : null,
                    null);
        }
        return new Tables(
                manager,
                manager.create(inverseRange),
                manager.create((float) maxCode),
                inputThresholds != null ? manager.create(inputThresholds) : null,
                null,
                null,
                manager.create(levels));
    }

    private static NDArray float32(NDArray y) {
        return y.getDataType() == DataType.FLOAT32 ? y : y.toType(DataType.FLOAT32, false);
    }

    /**
     * Quantizes and dequantizes a tensor.
     *
     * @param y the tensor
     * @return the reconstruction, same shape and data type
     */
    @Override
    public NDArray apply(NDArray y) {
        NDArray out;
        Tables tables = tables(y, false);
        if (uniform) {
            out = uniformCodes(y, tables).muli(tables.rescale());
            if (lower != 0) {
                out.addi(lower);
            }
        } else if (cells != null) {
            out =
                    looksUpInJava(y)
                            ? lookUpInJava(y)
                            : tables.cellLevels().take(y.getManager(), cellIndices(y, tables));
        } else {
            NDArray codes =
                    inputThresholds != null
                            ? nearestLevelCodes(y, tables)
                            : powerCodes(y, tables).toType(DataType.INT64, false);
            out = tables.levels().take(y.getManager(), codes);
        }
        return out.getDataType() == y.getDataType() ? out : out.toType(y.getDataType(), false);
    }

    @Override
    public String toString() {
        return "ActivationQuantizer("
                + grid.bits()
                + " bits, a = "
                + grid.exponent()
                + ", range ["
                + grid.lower()
                + ", "
                + (grid.lower() + grid.range())
                + "]"
                + (grid.rounding() == CodeRounding.NEAREST_LEVEL ? ", nearest-level" : "")
                + ")";
    }
}
