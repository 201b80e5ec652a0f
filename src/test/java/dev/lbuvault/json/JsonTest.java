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
}
