package dev.lbuvault.recover;

import dev.lbuvault.crypto.Password;
import dev.lbuvault.device.BlockDevices;
import dev.lbuvault.device.TargetSafety;
import dev.lbuvault.image.BlockSink;
import dev.lbuvault.repo.Repository;
import dev.lbuvault.repo.RepositoryException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Rebuilds a bootable card from a version, in three named steps: {@link #plan} decides everything
 * and refuses unsafe targets and unbootable content ({@link RecoveryPlanner}); {@link #checkSource}
 * reads every version file and compares it with {@code SHA256SUMS} ({@link SourceVerifier}); {@link
 * #execute} writes, reads back and writes the MBR last ({@link CardWriter}).
 */
public final class RecoverService {
  private final RecoveryPlanner planner;
  private final SourceVerifier verifier;
  private final CardWriter writer;

  /**
   * @param sinkFilter wraps the sink that writes to the target; identity in production, a
   *     fault-injecting sink in tests that simulate a failing card
   */
  public RecoverService(
      Repository repository,
      BlockDevices devices,
      TargetSafety safety,
      SecureRandom random,
      UnaryOperator<BlockSink> sinkFilter) {
    this(repository, devices, safety, random, sinkFilter, Optional.empty());
  }

  /**
   * @param sinkFilter as above
   * @param apkovlPassword opens an encrypted apkovl, so that its {@code etc/fstab} can name the
   *     volume id as for a plaintext one
   */
  public RecoverService(
      Repository repository,
      BlockDevices devices,
      TargetSafety safety,
      SecureRandom random,
      UnaryOperator<BlockSink> sinkFilter,
      Optional<Password> apkovlPassword) {
    this.planner = new RecoveryPlanner(repository, devices, safety, random, apkovlPassword);
    this.verifier = new SourceVerifier(repository);
    DeviceGuard guard = new DeviceGuard(devices, safety, planner.protectedPaths());
    this.writer = new CardWriter(random, sinkFilter, guard);
  }

  /**
   * Decides what would be written where.
   *
   * @throws RecoverRefusedException when the target is unsafe, the content cannot boot or cannot be
   *     put on FAT; nothing has been written
   * @throws SourceDamagedException when the apkovl cannot be read because the repository copy is
   *     damaged
   */
  public RecoveryPlan plan(RecoverRequest req)
      throws IOException, RepositoryException, RecoverRefusedException, SourceDamagedException {
    return planner.plan(req);
  }

  /**
   * Reads and hashes every file the plan takes from the version; a dry run stops after this.
   *
   * @throws SourceDamagedException naming the damaged file and the version to use instead
   */
  public VerifiedSource checkSource(RecoveryPlan plan, Progress progress)
      throws IOException, SourceDamagedException {
    return verifier.check(plan, progress);
  }

  /**
   * Writes the checked plan to its target and verifies it.
   *
   * @throws VerificationFailedException when the read-back differs; the MBR was not written
   * @throws SourceDamagedException when a file changed since it was checked
   */
  public RecoveryResult execute(
      VerifiedSource source, Optional<Path> releaseFile, Progress progress)
      throws IOException,
          VerificationFailedException,
          SourceDamagedException,
          RecoverRefusedException {
    return writer.write(source, releaseFile, progress);
  }
}
