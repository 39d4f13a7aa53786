package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.registry.RegistryKeys.Kind;
import dev.mlapi.registry.RegistryKeys.Parsed;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry's keys are parsed strictly by the documented layout; everything else is not the registry's. */
class RegistryKeysTest {

    static final String UUID = "-0b6f6c5e-3a2d-4c1b-9e8f-7a6b5c4d3e2f";

    @Test
    void parse_whenKeysAreOfTheLayout_readsKindModelVersionAndItem() {
        assertThat(RegistryKeys.parse("models/iris/claims/0000000003"))
                .contains(new Parsed(Kind.CLAIM, "iris", 3, null));
        assertThat(RegistryKeys.parse("models/iris/pending/0000000004.json"))
                .contains(new Parsed(Kind.PENDING, "iris", 4, null));
        assertThat(RegistryKeys.parse("models/iris/manifests/2147483647.json"))
                .contains(new Parsed(Kind.MANIFEST, "iris", Integer.MAX_VALUE, null));
        assertThat(RegistryKeys.parse("models/iris/aliases/production.json"))
                .contains(new Parsed(Kind.ALIAS, "iris", 0, "production"));
        assertThat(RegistryKeys.parse("models/iris/files/0000000002/model.onnx"))
                .contains(new Parsed(Kind.FILE, "iris", 2, "model.onnx"));
        assertThat(RegistryKeys.parse(RegistryKeys.fileKey("a.b-c_d", 7, "Labels_v2.txt")))
                .contains(new Parsed(Kind.FILE, "a.b-c_d", 7, "Labels_v2.txt"));
        assertThat(RegistryKeys.parse(RegistryKeys.ownerKey("iris"))).contains(new Parsed(Kind.OWNER, "iris", 0, null));
        assertThat(RegistryKeys.parse("models/iris/owner.json.bak")).isEmpty();
    }

    @Test
    void parse_whenKeysAreNotOfTheLayout_empty() {
        for (String key : List.of(
                "models/iris/manifests/0000000002.json" + UUID,
                "models/iris/claims/0000000002" + UUID,
                "models/iris/pending/0000000002.json" + UUID,
                "models/iris/aliases/production.json" + UUID,
                "models/iris/manifests/2.json",
                "models/iris/manifests/00000000002.json",
                "models/iris/manifests/0000000000.json",
                "models/iris/manifests/9999999999.json",
                "models/iris/manifests/0000000002.yaml",
                "models/iris/claims/000000000x",
                "models/iris/aliases/Production.json",
                "models/iris/aliases/a..b.json",
                "models/iris/files/0000000002/sub/model.onnx",
                "models/iris/files/0000000002/.hidden",
                "models/iris/files/0000000002/a..b",
                "models/iris/files/2/model.onnx",
                "models/iris/README",
                "models/Iris/manifests/0000000002.json",
                "models/a..b/manifests/0000000002.json",
                "models/iris",
                "images/cat.png",
                "models/iris/manifests/0000000002.json\n")) {
            assertThat(RegistryKeys.parse(key)).as(key).isEmpty();
        }
    }

    @Test
    void isPartialWrite_whenAKeyOfTheLayoutCarriesAUuid_true_andOtherwiseFalse() {
        assertThat(RegistryKeys.isPartialWrite("models/iris/manifests/0000000002.json" + UUID)).isTrue();
        assertThat(RegistryKeys.isPartialWrite("models/iris/claims/0000000002" + UUID)).isTrue();
        assertThat(RegistryKeys.isPartialWrite("models/iris/aliases/production.json" + UUID)).isTrue();
        assertThat(RegistryKeys.isPartialWrite("models/iris/manifests/0000000002.json")).isFalse();
        assertThat(RegistryKeys.isPartialWrite("models/iris/README" + UUID)).as("not the registry's").isFalse();
        assertThat(RegistryKeys.isPartialWrite("images/cat.png" + UUID)).isFalse();
        assertThat(RegistryKeys.isPartialWrite("models/iris/files/0000000002/model.onnx" + UUID))
                .as("a valid file name: judged by its version's file list").isFalse();
    }
}
