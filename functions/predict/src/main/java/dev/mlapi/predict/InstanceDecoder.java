package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Decodes request instances straight into a loaded model's input buffers ({@link TabularModel.Rows}),
 * checking each value: a bad one is a 400 naming it ({@code instances[3].petal_width}). One per
 * loaded model ({@link Features} or {@link RawColumns}, as its manifest says), made when it loads.
 */
interface InstanceDecoder {

    TabularModel.Rows decode(List<JsonNode> instances);
}
