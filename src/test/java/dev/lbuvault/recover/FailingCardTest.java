package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.device.BlockDevices;
import dev.lbuvault.device.TargetSafety;
import dev.lbuvault.image.BlockSink;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.testing.Cards;
import dev.lbuvault.testing.Cli;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A card that silently stores a wrong byte (a failing SD card: a fault that cannot be made for
 * real, so a fault-injecting sink stands in for the medium) must fail verification, and an image
 * that failed must leave nothing behind.
 */
class FailingCardTest {
  @Test
  void aByteTheCardGetsWrongFailsVerificationAndNoMbrIsWritten(@TempDir Path tmp) throws Exception {
    Path card = Cards.make(tmp.resolve("card"), "--total-mb", "16");
    String repoDir = tmp.resolve("repo").toString();
    assertThat(Cli.run("init", "--repo", repoDir).exitCode()).isZero();
    assertThat(Cli.run("backup", "--repo", repoDir, "--source", card.toString()).exitCode())
        .isZero();
    Repository repo = Repository.open(Path.of(repoDir), ProcessRunner.system());
    long badOffset = RecoveryPlan.PARTITION_OFFSET + (8L << 20);
    UnaryOperator<BlockSink> flipOneByte =
        sink ->
            (offset, data) -> {
              ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
              data.position(data.limit());
              long end = offset + copy.remaining();
              if (offset <= badOffset && badOffset < end) {
                int i = (int) (badOffset - offset);
                copy.put(i, (byte) (copy.get(i) ^ 0x10));
              }
              sink.write(offset, copy);
            };
    BlockDevices devices = new BlockDevices(Path.of("/sys"), Path.of("/dev"));
    RecoverService service =
        new RecoverService(
            repo,
            devices,
            new TargetSafety(devices, Path.of("/proc/self/mountinfo"), Path.of("/proc/swaps")),
            new SecureRandom(),
            flipOneByte);
    Path image = tmp.resolve("card.img");
    RecoverRequest req =
        new RecoverRequest(
            Path.of(repoDir),
            Optional.empty(),
            "latest",
            image,
            OptionalLong.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            false,
            false,
            false);
    RecoveryPlan plan = service.plan(req);
    assertThat(plan.layout().usedBytes()).isGreaterThan(badOffset - RecoveryPlan.PARTITION_OFFSET);
    VerifiedSource source = service.checkSource(plan, Progress.none());
    assertThatThrownBy(() -> service.execute(source, Optional.empty(), Progress.none()))
        .isInstanceOf(VerificationFailedException.class)
        .hasMessageContaining("byte offset")
        .hasMessageContaining("partition table was not written")
        .satisfies(
            e -> {
              long at = ((VerificationFailedException) e).offset();
              assertThat(at).isLessThanOrEqualTo(badOffset);
            });
    // An image that failed its read-back is not left anywhere: not at its name, not as a
    // temporary beside it.
    assertThat(image).doesNotExist();
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("card.img"));
    }
  }
}
