package dev.lbuvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class CommandTreeTest {

  @Test
  void everySubcommandIsListedUnderTheNameItsAnnotationGives() {
    for (LbuvaultCommand.Subcommand s : LbuvaultCommand.SUBCOMMANDS) {
      Command command = s.type().getAnnotation(Command.class);
      assertThat(command).as(s.type().getName()).isNotNull();
      assertThat(command.name()).as(s.type().getName()).isEqualTo(s.name());
    }
    assertThat(LbuvaultCommand.SUBCOMMANDS.stream().map(LbuvaultCommand.Subcommand::name))
        .doesNotHaveDuplicates();
  }

  @Test
  void aRunOfOneSubcommandModelsThatSubcommandAlone() {
    for (LbuvaultCommand.Subcommand s : LbuvaultCommand.SUBCOMMANDS) {
      CommandLine cmd = Main.commandLineFor(s.name(), "--repo", "/nowhere");
      assertThat(cmd.getSubcommands()).as(s.name()).containsOnlyKeys(s.name());
      assertThat(cmd.getSubcommands().get(s.name()).getCommandSpec().qualifiedName())
          .isEqualTo("lbuvault " + s.name());
    }
  }

  @Test
  void helpVersionAndUnknownCommandsGetTheWholeTree() {
    List<String> all =
        LbuvaultCommand.SUBCOMMANDS.stream().map(LbuvaultCommand.Subcommand::name).toList();
    for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"bakup"}, {"-x"}}) {
      assertThat(Main.commandLineFor(args).getSubcommands().keySet())
          .as(String.join(" ", args))
          .containsExactlyElementsOf(all);
    }
  }

  @Test
  void theTopLevelHelpStillListsEveryCommandInOrder() {
    Result r = Cli.run("--help");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    int at = 0;
    for (LbuvaultCommand.Subcommand s : LbuvaultCommand.SUBCOMMANDS) {
      int found = r.out().indexOf("\n  " + s.name() + " ", at);
      assertThat(found).as(s.name() + " after offset " + at + " in\n" + r.out()).isPositive();
      at = found;
    }
  }

  @Test
  void aMistypedCommandIsAUsageErrorNamingItAndPointingToTheHelp() {
    Result r = Cli.run("bakup", "--repo", "/nowhere");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).as(r.toString()).contains("'bakup'").contains("Try 'lbuvault --help'.");
  }
}
