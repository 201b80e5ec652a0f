package dev.lbuvault.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void aDocumentSurvivesARoundTrip() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "café ☕ \"quoted\" \\ back\nslash\t\u0001");
    m.put("count", 42L);
    m.put("ratio", 0.5);
    m.put("flag", true);
    m.put("nothing", null);
    m.put("list", Arrays.asList("a", 1L, null, List.of()));
    m.put("empty", Map.of());
    assertThat(Json.parse(Json.write(m))).isEqualTo(m);
    assertThat(Json.parse(Json.writeCompact(m))).isEqualTo(m);
    assertThat(Json.writeCompact(m)).doesNotContain("\n").startsWith("{\"name\":");
  }

  @Test
  void malformedDocumentsAreRejectedWithTheOffset() {
    assertThatThrownBy(() -> Json.parse("{\"a\": 1,}"))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("offset 8");
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x"))
        .hasMessageContaining("unexpected text after the document");
    assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("unexpected end");
    assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageContaining("unexpected end");
    assertThatThrownBy(() -> Json.parse("[1 2]")).hasMessageContaining("expected ',' or ']'");
  }

  @Test
  void typedAccessNamesTheMissingField() {
    assertThatThrownBy(() -> JsonObject.parse("{\"a\": 1}").string("b"))
        .hasMessage("field \"b\" is missing or not a string");
    assertThatThrownBy(() -> JsonObject.parse("[1]")).hasMessage("document is not a JSON object");
  }

  @Test
  void aDocumentNested100000DeepIsRejectedAsDamagedNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThatThrownBy(() -> Json.parse(deep))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("nested more than " + Json.MAX_DEPTH + " levels");
    String objects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
    assertThatThrownBy(() -> Json.parse(objects)).isInstanceOf(JsonException.class);
    String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    org.assertj.core.api.Assertions.assertThatCode(() -> Json.parse(ok)).doesNotThrowAnyException();
  }

  @Test
  void aMetadataFileLargerThanTheBoundIsRefusedNamingIt(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path big = tmp.resolve("daemon-state.json");
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(
            big, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {'{'}), Json.MAX_FILE_BYTES);
    }
    assertThatThrownBy(() -> Json.readFile(big))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageStartingWith(big + " is damaged: ")
        .hasMessageContaining("more than the");
    java.nio.file.Files.write(big, new byte[] {'"', (byte) 0xff, '"'});
    assertThatThrownBy(() -> Json.readFile(big)).hasMessage(big + " is damaged: not UTF-8 text");
  }
}
