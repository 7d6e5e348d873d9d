package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.InvalidInputException;
import org.powerquant.data.Preprocessing;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The preprocessing {@code inspect} shows is written as the flags that give it: given back to a
 * command, they make the same preprocessing, whatever it is.
 */
class PreprocessingFlagsTest {

    /** A command that takes the preprocessing flags and nothing else. */
    @Command(name = "probe")
    static final class Probe {
        @Mixin PreprocessingOptions options;
    }

    private static Preprocessing parse(String flags) {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs(flags.isEmpty() ? new String[0] : flags.split(" ", -1));
        return probe.options.preprocessing();
    }

    /** One value or one per channel, at least {@code low}, often all equal. */
    private static float[] values(Random random, int channels, double low) {
        int n = random.nextBoolean() ? 1 : channels;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt(4) == 0 ? 0.5f : (float) (low + random.nextDouble() * 2);
        }
        return v;
    }

    @Test
    void theFlagsShownGiveTheSamePreprocessingBack() {
        Random random = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int channels = random.nextBoolean() ? 3 : 1;
            Preprocessing.Builder b =
                    Preprocessing.builder()
                            .channels(channels)
                            .antialias(random.nextBoolean())
                            .mean(values(random, channels, -1))
                            .std(values(random, channels, 1e-3));
            switch (random.nextInt(4)) {
                case 0 -> b.imageSize(1 + random.nextInt(512));
                case 1 -> b.resizeShort(1 + random.nextInt(512));
                case 2 -> b.centerCrop(1 + random.nextInt(512));
                default -> {
                    b.resizeShort(1 + random.nextInt(512));
                    b.centerCrop(1 + random.nextInt(512));
                }
            }
            Preprocessing p = b.build();
            String flags = PreprocessingOptions.flags(p);
            assertEquals(p.toString(), parse(flags).toString(), flags);
        }
    }

    @Test
    void imageNetsDefaultsAreShownAsTheirFlags() {
        assertEquals(
                "--resize-short 256 --center-crop 224 --mean 0.485,0.456,0.406 --std"
                        + " 0.229,0.224,0.225",
                PreprocessingOptions.flags(Preprocessing.imageNet()));
    }

    /**
     * A side flag out of range states the range a flag can take: 0 is refused too, so the library's
     * "0 to 8192 pixels (0: none)" would tell the user to try a value the flag refuses.
     */
    @Test
    void aSideOutOfRangeIsRefusedWithTheRangeTheFlagTakes() {
        for (String flag : new String[] {"--center-crop", "--resize-short"}) {
            for (String value : new String[] {"0", "100000"}) {
                InvalidInputException e =
                        assertThrows(InvalidInputException.class, () -> parse(flag + " " + value));
                assertEquals("must be 1 to 8192 pixels, got " + value, e.problem(), flag);
            }
        }
    }
}
