package dev.lbuvault.diff;

import java.util.List;
import java.util.Objects;

/**
 * One apkovl member that differs between two versions.
 *
 * @param name the member name ({@code etc/hostname})
 * @param kind added, removed or changed
 * @param attributeChanges readable changes of type, mode, owner and link target, e.g. {@code "mode
 *     0644 -> 0600"}
 * @param content how the content changed
 */
public record MemberChange(
    String name, ChangeKind kind, List<String> attributeChanges, ContentChange content) {
  public MemberChange {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(content, "content");
    attributeChanges = List.copyOf(attributeChanges);
  }
}
