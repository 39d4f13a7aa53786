package dev.mlapi.training;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.mlapi.inference.Djl;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.regression.Regressor;
import java.util.HashMap;

/**
 * Runs an exported classifier in ONNX Runtime on every row of its training data and compares it
 * with Tribuo's own predictions: the label (taken from the ONNX probabilities, as predict does;
 * a tie counts when Tribuo's label is among the most probable) must be the same and every
 * probability within {@link #TOLERANCE}. The first difference fails the export.
 */
public final class ExportVerifier {

    public static final double TOLERANCE = 1e-4;

    /** The export disagrees with Tribuo: nothing may be registered. */
    public static final class Mismatch extends RuntimeException {
        Mismatch(String message) {
            super(message);
        }
    }

    private ExportVerifier() {
    }

    /** @return the number of rows compared */
    public static int verify(byte[] onnx, Model<Label> model, TabularDataset data) {
        return runOnTrainingRows(onnx, data, result -> {
            OnnxValue probabilities = result.get(TreeOnnxExporter.PROBABILITIES).orElseThrow();
            List<? extends OnnxValue> rows = ((OnnxSequence) probabilities).getValue();
            for (int i = 0; i < data.size(); i++) {
                Map<?, ?> onnxScores = ((OnnxMap) rows.get(i)).getValue();
                Prediction<Label> expected = model.predict(TribuoData.example(data.featureNames(), data.rows()[i], null));
                compare(i, expected, onnxScores, data.classes());
            }
        });
    }

    /**
     * Runs an exported regressor on every training row: each value within 1e-4 of Tribuo's
     * (relative above 1: the output is float32, as scikit-learn's converter writes it).
     *
     * @return the number of rows compared
     */
    public static int verifyRegressor(byte[] onnx, Model<Regressor> model, TabularDataset data) {
        return runOnTrainingRows(onnx, data, result -> {
            var values = ((OnnxTensor) result.get(TreeRegressorOnnxExporter.VALUE).orElseThrow()).getFloatBuffer();
            for (int i = 0; i < data.size(); i++) {
                double onnxValue = values.get(i);
                double want = model.predict(RegressionSearch.example(data, i, Double.NaN)).getOutput().getValues()[0];
                if (Math.abs(onnxValue - want) > TOLERANCE * Math.max(1, Math.abs(want))) {
                    throw new Mismatch("row " + (i + 2) + ": the value is " + onnxValue + " in ONNX and " + want
                            + " in Tribuo");
                }
            }
        });
    }

    /** What to check in the export's outputs for every training row. */
    @FunctionalInterface
    private interface OutputCheck {
        void check(OrtSession.Result result) throws OrtException;
    }

    /**
     * Runs the export once on all training rows and checks its outputs. A plain table goes in as one
     * double tensor {@code [rows, features]}; any other as predict sends it, the raw cells of each row
     * ({@link TableSchema#numericPart}, {@link TableSchema#textPart}), so the graph's own encoding is checked too.
     */
    private static int runOnTrainingRows(byte[] onnx, TabularDataset data, OutputCheck check) {
        Djl.startEngine();
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        TableSchema schema = data.schema();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OrtSession session = environment.createSession(onnx, new OrtSession.SessionOptions())) {
            try {
                if (schema.plain()) {
                    inputs.put(TreeOnnxExporter.INPUT, numbers(environment, data.rows(), data.featureNames().size()));
                } else {
                    int width = schema.numericWidth();
                    if (width > 0) {
                        double[][] numeric = new double[data.size()][];
                        for (int i = 0; i < data.size(); i++) {
                            numeric[i] = schema.numericPart(data.rawRow(i));
                        }
                        inputs.put(OnnxPreprocessing.numericInput(schema), numbers(environment, numeric, width));
                    }
                    int textWidth = schema.textColumns().size();
                    if (textWidth > 0) {
                        String[] text = new String[data.size() * textWidth];
                        for (int i = 0; i < data.size(); i++) {
                            System.arraycopy(schema.textPart(data.rawRow(i)), 0, text, i * textWidth, textWidth);
                        }
                        inputs.put(OnnxPreprocessing.TEXT, OnnxTensor.createTensor(environment, text,
                                new long[] {data.size(), textWidth}));
                    }
                }
                try (OrtSession.Result result = session.run(inputs)) {
                    check.check(result);
                    return data.size();
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        } catch (OrtException e) {
            throw new Mismatch("ONNX Runtime could not run the export: " + e.getMessage());
        }
    }

    private static OnnxTensor numbers(OrtEnvironment environment, double[][] rows, int width) throws OrtException {
        DoubleBuffer input = DoubleBuffer.allocate(rows.length * width);
        for (double[] row : rows) {
            input.put(row);
        }
        return OnnxTensor.createTensor(environment, input.flip(), new long[] {rows.length, width});
    }

    private static void compare(int row, Prediction<Label> expected, Map<?, ?> onnxScores, List<String> classes) {
        Map<String, Label> tribuoScores = expected.getOutputScores();
        double max = Double.NEGATIVE_INFINITY;
        for (String c : classes) {
            double onnx = ((Number) onnxScores.get(c)).doubleValue();
            Label tribuo = tribuoScores.get(c);
            double want = tribuo == null ? 0 : tribuo.getScore();
            if (Math.abs(onnx - want) > TOLERANCE) {
                throw new Mismatch("row " + (row + 2) + ": P(" + c + ") is " + onnx + " in ONNX and " + want + " in Tribuo");
            }
            max = Math.max(max, onnx);
        }
        String label = expected.getOutput().getLabel();
        double labelScore = ((Number) onnxScores.get(label)).doubleValue();
        if (labelScore < max - 1e-9) {
            throw new Mismatch("row " + (row + 2) + ": Tribuo says '" + label + "' but ONNX gives it " + labelScore
                    + " below the most probable class's " + max);
        }
    }
}
