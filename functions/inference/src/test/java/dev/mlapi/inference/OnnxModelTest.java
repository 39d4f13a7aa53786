package dev.mlapi.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.Unprocessable;
import org.junit.jupiter.api.Test;

/** Real ONNX Runtime through DJL, on a generated tiny model loaded from bytes. */
class OnnxModelTest {

    @Test
    void predict_whenInputFitsTheGraph_returnsWhatTheTranslatorMakesOfTheOutput() {
        byte[] onnx = TinyOnnx.logitsModel();
        try (OnnxModel model = OnnxModel.load("tiny:1", onnx)) {
            float[] logits = model.predict(new ChannelScores(4), new float[] {0f, 0f, 1f});

            assertThat(logits).containsExactly(0f, 0f, 10f);
            assertThat(model.footprintBytes()).isEqualTo(onnx.length);
            assertThat(model.ref()).isEqualTo("tiny:1");
        }
    }

    @Test
    void load_whenBytesAreNotOnnx_is422NamingTheModel() {
        assertThatThrownBy(() -> OnnxModel.load("broken:3", "not a model".getBytes()))
                .isInstanceOf(Unprocessable.class)
                .hasMessageContaining("broken:3")
                .hasMessageContaining("could not be loaded");
    }

    @Test
    void predict_whenInputDoesNotFitTheGraph_is422() {
        try (OnnxModel model = OnnxModel.load("tiny:1", TinyOnnx.logitsModel())) {
            assertThatThrownBy(() -> model.predict(new ChannelScores(4), new float[] {1f, 1f}))
                    .isInstanceOf(Unprocessable.class)
                    .hasMessageContaining("could not process");
        }
    }
}
