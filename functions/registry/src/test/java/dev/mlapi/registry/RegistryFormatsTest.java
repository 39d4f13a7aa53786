package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The pure parts of the registry: labels files, ONNX signatures, registration validation. */
class RegistryFormatsTest {

    @Test
    void parse_whenSynsetLines_takesTheFirstNameAfterTheWordNetId() {
        byte[] synset = "\uFEFFn01440764 tench, Tinca tinca\r\nn02123045 tabby, tabby cat\nn04584207 wig\n\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(LabelsFile.parse("labels_file", synset)).containsExactly("tench", "tabby", "wig");
    }

    @Test
    void parse_whenPlainLines_takesEachLineWhole() {
        assertThat(LabelsFile.parse("labels_file", " setosa \nIris versicolor\n".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("setosa", "Iris versicolor");
    }

    @Test
    void parse_whenEmptyOrBlankLineInside_400() {
        assertThatThrownBy(() -> LabelsFile.parse("labels_file", "\n\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> LabelsFile.parse("labels_file", "a\n\nb\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> LabelsFile.parse("labels_file", new byte[] {(byte) 0xC3, 0x28}))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("UTF-8");
    }

    @Test
    void read_whenGraphListsInitializersAsInputs_leavesThemOut() {
        byte[] model = TestModels.onnx(
                List.of(new TensorSpec("x", "float64", List.of(-1L, 4L)), new TensorSpec("w", "float32", List.of(4L))),
                List.of(new TensorSpec("label", "int64", List.of(-1L)), new TensorSpec("p", "float32", List.of())),
                List.of("w"));
        OnnxSignature signature = OnnxSignature.read(model);
        assertThat(signature.inputs()).containsExactly(new TensorSpec("x", "float64", List.of(-1L, 4L)));
        assertThat(signature.outputs()).containsExactly(new TensorSpec("label", "int64", List.of(-1L)),
                new TensorSpec("p", "float32", List.of()));
    }

    @Test
    void read_whenNotOnnx_throws() {
        assertThatThrownBy(() -> OnnxSignature.read("hello, world".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OnnxSignature.read(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        byte[] truncated = TestModels.tabular(4, 2);
        assertThatThrownBy(() -> OnnxSignature.read(java.util.Arrays.copyOf(truncated, truncated.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void read_whenSharedMobileNet_findsInputAndOutput() throws Exception {
        Path dir = TestModels.sharedModels().orElse(null);
        Assumptions.assumeTrue(dir != null, "skipped: ../shared/models is not on this machine");
        OnnxSignature mobilenet = OnnxSignature.read(Files.readAllBytes(dir.resolve("mobilenetv2-12-int8.onnx")));
        assertThat(mobilenet.inputs()).containsExactly(new TensorSpec("input", "float32", List.of(-1L, 3L, 224L, 224L)));
        assertThat(mobilenet.outputs()).containsExactly(new TensorSpec("output", "float32", List.of(-1L, 1000L)));
        OnnxSignature squeezenet = OnnxSignature.read(Files.readAllBytes(dir.resolve("squeezenet1.1-caffe2_fp16.onnx")));
        assertThat(squeezenet.inputs()).extracting(TensorSpec::name, TensorSpec::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("data_0", "float16"));
    }

    @Test
    void build_whenMetadataIsInvalid_400NamingEveryField() {
        var builder = ModelRegistration.builder().setName("bad").setKind(ModelKind.TABULAR).setModelFile("m.onnx")
                .setCreatedBy("alice")
                .optInputs(List.of(new TensorSpec("", "float33", List.of(-2L))))
                .optPreprocessing(Manifest.ImagePreprocessing.imagenetTorch())
                .optFeatureNames(List.of("a", "a"));
        assertThatThrownBy(builder::build).isInstanceOfSatisfying(InvalidInput.class,
                e -> assertThat(e.errors()).extracting(f -> f.field()).containsExactlyInAnyOrder("inputs[0].name",
                        "inputs[0].type", "inputs[0].shape", "preprocessing", "feature_names"));
        assertThatThrownBy(() -> ModelRegistration.builder().setName("bad").setModelFile("m.onnx")
                .setCreatedBy("alice").build()).isInstanceOf(InvalidInput.class).hasMessageContaining("kind");
    }
}
