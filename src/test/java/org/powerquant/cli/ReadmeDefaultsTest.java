package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The README's table of options and the commands' picocli model agree on every default. */
class ReadmeDefaultsTest {

    private static final List<String> ALL = List.of("quantize", "evaluate", "compare", "demo");

    private static List<String[]> rows() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int header = lines.indexOf("| flag | commands | default | meaning |");
        assertTrue(header >= 0, "the README has the table of options");
        List<String[]> rows = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split("\\|", -1);
            rows.add(
                    new String[] {
                        cells[1].strip().replace("`", ""), cells[2].strip(), cells[3].strip()
                    });
        }
        return rows;
    }

    /** The default a command applies: its default provider's (as demo's), else the option's. */
    private static String effectiveDefault(CommandLine command, OptionSpec option) {
        CommandLine.IDefaultValueProvider provider = command.getDefaultValueProvider();
        try {
            String provided = provider == null ? null : provider.defaultValue(option);
            return provided != null ? provided : option.defaultValue();
        } catch (Exception e) {
            throw new AssertionError(command.getCommandName() + " " + option.longestName(), e);
        }
    }

    @Test
    void everyDefaultInTheReadmeIsTheDefaultOfEveryCommandListed() throws IOException {
        Map<String, CommandLine> commands = new CommandLine(PowerQuantCli.class).getSubcommands();
        int checked = 0;
        for (String[] row : rows()) {
            String flag = row[0];
            List<String> names = row[1].equals("all four") ? ALL : List.of(row[1].split(",\\s*"));
            for (String name : names) {
                OptionSpec option = commands.get(name).getCommandSpec().findOption(flag);
                assertNotNull(option, name + " takes " + flag);
                String readme = row[2];
                String actual = effectiveDefault(commands.get(name), option);
                if (readme.startsWith("none") || readme.equals("off")) {
                    assertEquals(null, actual, name + " " + flag + " has no default value");
                } else {
                    assertEquals(readme, actual, name + " " + flag);
                    assertTrue(
                            String.join(" ", option.description()).contains("${DEFAULT-VALUE}")
                                    || String.join(" ", option.description()).contains(readme),
                            name + " " + flag + ": --help shows the default");
                }
                checked++;
            }
        }
        assertTrue(checked > 40, checked + " defaults checked");
    }

    @Test
    void everyOptionWithADefaultIsInTheReadme() throws IOException {
        List<String> documented = rows().stream().map(r -> r[0]).toList();
        for (Map.Entry<String, CommandLine> command :
                new CommandLine(PowerQuantCli.class).getSubcommands().entrySet()) {
            for (OptionSpec option : command.getValue().getCommandSpec().options()) {
                if (effectiveDefault(command.getValue(), option) != null) {
                    assertTrue(
                            documented.contains(option.longestName()),
                            command.getKey() + " " + option.longestName() + " is in the README");
                }
            }
        }
    }
}
