package dev.mlapi.classify.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mlapi.classify.TestImages;
import dev.mlapi.classify.TestModels;
import dev.mlapi.classify.image.ImagePreprocessor;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.registry.Manifest;
import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Real ONNX Runtime through DJL on the generated tiny models: float32 logits and float16 probabilities. */
class OnnxImageClassifierTest {

    static float[] classify(TestModels.Model model, Color color) {
        Manifest manifest = model.manifest();
        BufferedImage image = TestImages.solid(color, 50, 40, BufferedImage.TYPE_3BYTE_BGR);
        ImageTensor tensor = ImagePreprocessor.toTensor(image, manifest.preprocessing().orElseThrow());
        try (OnnxImageClassifier classifier = OnnxImageClassifier.load(manifest, model.modelBytes())) {
            return classifier.probabilities(tensor);
        }
    }

    @Test
    void probabilities_whenLogitsModel_appliesSoftmaxAndFindsTheDominantChannel() {
        TestModels.Model model = TestModels.tiny("tiny", 1);
        float[] red = classify(model, Color.RED);
        float[] blue = classify(model, Color.BLUE);
        assertThat(red[0] + red[1] + red[2]).isCloseTo(1f, within(1e-5f));
        assertThat(red[0]).isGreaterThan(0.99f);
        assertThat(blue[2]).isGreaterThan(0.99f);
        // softmax of (10, 0, 0)
        assertThat(red[1]).isCloseTo((float) (1 / (Math.exp(10) + 2)), within(1e-6f));
    }

    @Test
    void probabilities_whenFloat16InputAndOutput_convertsBothWays() {
        float[] green = classify(TestModels.tinyFloat16("tiny16", 1), Color.GREEN);
        assertThat(green[1]).isGreaterThan(0.99f);
        assertThat(green[0] + green[1] + green[2]).isCloseTo(1f, within(1e-3f));
    }

    @Test
    void load_whenBytesAreNotOnnx_is422NamingTheModel() {
        Manifest manifest = TestModels.tiny("broken", 3).manifest();
        assertThatThrownBy(() -> OnnxImageClassifier.load(manifest, "not a model".getBytes()))
                .isInstanceOf(Unprocessable.class)
                .hasMessageContaining("broken:3");
    }

    @Test
    void probabilities_whenTensorShapeDoesNotFitTheGraph_is422() {
        TestModels.Model model = TestModels.tiny("tiny", 1);
        try (OnnxImageClassifier classifier = OnnxImageClassifier.load(model.manifest(), model.modelBytes())) {
            assertThatThrownBy(() -> classifier.probabilities(new ImageTensor(new float[8], new long[] {1, 2, 2, 2})))
                    .isInstanceOf(Unprocessable.class)
                    .hasMessageContaining("could not process");
        }
    }
}
