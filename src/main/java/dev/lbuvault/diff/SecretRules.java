package dev.lbuvault.diff;

import dev.lbuvault.archive.ApkovlMember;
import java.util.regex.Pattern;

/**
 * Which apkovl members hold secrets whose content {@code diff} must not print unless asked: the
 * password and group shadow files, SSH host keys, WireGuard configuration, anything named like a
 * key or certificate bundle, and any file its owner kept from others (lbu keeps modes, so a 0600
 * file was private on the host). Such members are named as changed, never shown.
 */
final class SecretRules {
  private static final Pattern SECRET_NAME =
      Pattern.compile(
          "etc/shadow.*|etc/gshadow.*|etc/ssh/[^/]*_key|etc/wireguard/.*|.*\\.key|.*\\.pem");

  private SecretRules() {}

  static boolean isSecret(ApkovlMember member) {
    return SECRET_NAME.matcher(member.name()).matches()
        || (member.kind() == ApkovlMember.Kind.FILE && !member.readableByOthers());
  }
}
