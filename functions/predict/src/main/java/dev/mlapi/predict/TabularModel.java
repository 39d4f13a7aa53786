package dev.mlapi.predict;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.inference.Djl;
import dev.mlapi.inference.LoadedModel;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One tabular ONNX model loaded into ONNX Runtime: rows of numbers in, a label with class
 * probabilities or a value out per row.
 *
 * <p>It understands the graphs scikit-learn's ONNX converter and the train function write: one
 * float or double input {@code [N, F]}; for classification a label tensor plus probabilities as
 * a ZipMap ({@code seq(map(string|int64, float))}) or a {@code [N, C]} tensor, for regression
 * one {@code [N, 1]} (or {@code [N]}) value tensor.
 *
 * <p>It runs ONNX Runtime's Java API directly rather than through DJL: DJL's ONNX engine turns
 * outputs into NDArrays and has no type for ZipMap's sequence of maps. The process-wide
 * environment is the one DJL started ({@link Djl#startEngine()}), so classify and predict can
 * share a JVM (the local server). Thread-safe: ONNX Runtime sessions serve concurrent runs.
 */
public final class TabularModel implements LoadedModel {

    /** What the graph's outputs say the model does. */
    public enum Task { CLASSIFICATION, REGRESSION }

    /** One row's answer: a label (with probabilities, by label, when the model gives them) or a value. */
    public record Output(String label, Map<String, Double> probabilities, Double value) {
    }

    private final String ref;
    private final OrtSession session;
    private final String inputName;
    private final boolean doubleInput;
    private final long featureCount;
    private final Task task;
    private final Optional<String> labelOutput;
    private final Optional<String> probabilityOutput;
    private final Optional<String> valueOutput;
    private final List<String> declaredLabels;
    private final long footprintBytes;
    /** A graph with the train function's encoding in front: its {@code numeric} and {@code text} inputs. */
    private final Optional<String> numericInput;
    private final Optional<String> textInput;

    private TabularModel(String ref, OrtSession session, String inputName, boolean doubleInput, long featureCount,
            Task task, Optional<String> labelOutput, Optional<String> probabilityOutput,
            Optional<String> valueOutput, List<String> declaredLabels, long footprintBytes) {
        this(ref, session, inputName, doubleInput, featureCount, task, labelOutput, probabilityOutput, valueOutput,
                declaredLabels, footprintBytes, Optional.empty(), Optional.empty());
    }

    private TabularModel(String ref, OrtSession session, String inputName, boolean doubleInput, long featureCount,
            Task task, Optional<String> labelOutput, Optional<String> probabilityOutput,
            Optional<String> valueOutput, List<String> declaredLabels, long footprintBytes,
            Optional<String> numericInput, Optional<String> textInput) {
        this.numericInput = numericInput;
        this.textInput = textInput;
        this.ref = ref;
        this.session = session;
        this.inputName = inputName;
        this.doubleInput = doubleInput;
        this.featureCount = featureCount;
        this.task = task;
        this.labelOutput = labelOutput;
        this.probabilityOutput = probabilityOutput;
        this.valueOutput = valueOutput;
        this.declaredLabels = List.copyOf(declaredLabels);
        this.footprintBytes = footprintBytes;
    }

    /**
     * Loads {@code onnx} and works out its input and outputs.
     *
     * @param ref    how errors name the model, e.g. {@code iris:3}
     * @param labels the manifest's labels: the column order of a {@code [N, C]} probability tensor
     * @throws Unprocessable if ONNX Runtime cannot load it or its graph is not a tabular model
     */
    public static TabularModel load(String ref, byte[] onnx, List<String> labels) {
        Djl.startEngine();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = OrtEnvironment.getEnvironment().createSession(onnx, options);
        } catch (OrtException e) {
            throw new Unprocessable("model '" + ref + "' could not be loaded by ONNX Runtime: " + e.getMessage(), e);
        }
        try {
            return inspect(ref, session, labels, onnx.length);
        } catch (RuntimeException | OrtException e) {
            closeQuietly(session);
            if (e instanceof Unprocessable unprocessable) {
                throw unprocessable;
            }
            throw new Unprocessable("model '" + ref + "' could not be inspected: " + e.getMessage(), e);
        }
    }

    private static TabularModel inspect(String ref, OrtSession session, List<String> labels, long size)
            throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        boolean raw = inputs.containsKey("text") && inputs.keySet().stream().allMatch(n -> n.equals("text")
                || n.equals("numeric")) && inputs.get("text").getInfo() instanceof TensorInfo text
                && text.type == OnnxJavaType.STRING && (!inputs.containsKey("numeric")
                || inputs.get("numeric").getInfo() instanceof TensorInfo n && n.type == OnnxJavaType.DOUBLE);
        if (!raw && (inputs.size() != 1 || !(inputs.values().iterator().next().getInfo() instanceof TensorInfo one)
                || one.getShape().length != 2
                || (one.type != OnnxJavaType.FLOAT && one.type != OnnxJavaType.DOUBLE))) {
            throw new Unprocessable("model '" + ref + "' is not a tabular model: it needs exactly one float or double"
                    + " input [N, F] (or the train function's text and numeric inputs), and has " + describe(inputs));
        }
        String inputName = raw ? "numeric" : inputs.keySet().iterator().next();
        Optional<String> label = Optional.empty();
        Optional<String> probabilities = Optional.empty();
        Optional<String> value = Optional.empty();
        for (Map.Entry<String, NodeInfo> output : session.getOutputInfo().entrySet()) {
            if (output.getValue().getInfo() instanceof SequenceInfo seq && seq.isSequenceOfMaps()) {
                probabilities = Optional.of(output.getKey());
            } else if (output.getValue().getInfo() instanceof TensorInfo tensor) {
                if (tensor.type == OnnxJavaType.STRING || tensor.type == OnnxJavaType.INT64) {
                    label = label.or(() -> Optional.of(output.getKey()));
                } else if (tensor.type == OnnxJavaType.FLOAT || tensor.type == OnnxJavaType.DOUBLE) {
                    long columns = tensor.getShape().length == 2 ? tensor.getShape()[1] : 1;
                    if (columns == 1 && value.isEmpty()) {
                        value = Optional.of(output.getKey());
                    } else if (probabilities.isEmpty()) {
                        probabilities = Optional.of(output.getKey());
                    }
                }
            }
        }
        Task task;
        if (label.isPresent() || (probabilities.isPresent() && value.isEmpty())) {
            task = Task.CLASSIFICATION;
            value = Optional.empty();
        } else if (value.isPresent()) {
            task = Task.REGRESSION;
        } else {
            throw new Unprocessable("model '" + ref + "' is not a tabular model: it needs a label (with probabilities)"
                    + " or an [N, 1] value output, and has " + describe(session.getOutputInfo()));
        }
        if (raw) {
            return new TabularModel(ref, session, inputName, true, -1, task, label, probabilities, value, labels, size,
                    inputs.containsKey("numeric") ? Optional.of("numeric") : Optional.empty(), Optional.of("text"));
        }
        TensorInfo input = (TensorInfo) inputs.values().iterator().next().getInfo();
        return new TabularModel(ref, session, inputName, input.type == OnnxJavaType.DOUBLE, input.getShape()[1],
                task, label, probabilities, value, labels, size);
    }

    /** The number of features the graph fixes, or -1 when its input's second dimension is dynamic. */
    public long featureCount() {
        return featureCount;
    }

    public Task task() {
        return task;
    }

    /**
     * Runs the rows through the model.
     *
     * @throws Unprocessable if ONNX Runtime rejects the input or the outputs are not what the graph declared
     */
    public List<Output> predict(double[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        long[] shape = {rows.length, width};
        try (OnnxTensor tensor = tensor(rows, shape);
                OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            return task == Task.REGRESSION ? values(result, rows.length) : classes(result, rows.length);
        } catch (OrtException e) {
            throw new Unprocessable("model '" + ref + "' could not process the input: " + e.getMessage(), e);
        }
    }

    /** The graph takes raw rows: a {@code text} input (and a {@code numeric} one) in front of its encoding. */
    public boolean takesText() {
        return textInput.isPresent();
    }

    /**
     * Runs raw rows through a graph with its encoding in front: {@code numeric} (NaN for a blank) and,
     * when the graph has a {@code text} input, {@code text} ({@code ""} for a blank).
     */
    public List<Output> predict(double[][] numeric, String[][] text) {
        if (text == null || textInput.isEmpty()) {
            return predict(numeric);
        }
        Map<String, OnnxTensor> inputs = new java.util.HashMap<>();
        try {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            int width = text.length == 0 ? 0 : text[0].length;
            String[] flat = new String[text.length * width];
            for (int i = 0; i < text.length; i++) {
                System.arraycopy(text[i], 0, flat, i * width, width);
            }
            inputs.put(textInput.get(), OnnxTensor.createTensor(environment, flat, new long[] {text.length, width}));
            if (numericInput.isPresent()) {
                int numbers = numeric.length == 0 ? 0 : numeric[0].length;
                inputs.put(numericInput.get(), tensor(numeric, new long[] {numeric.length, numbers}));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return task == Task.REGRESSION ? values(result, text.length) : classes(result, text.length);
            }
        } catch (OrtException e) {
            throw new Unprocessable("model '" + ref + "' could not process the input: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor tensor(double[][] rows, long[] shape) throws OrtException {
        int width = (int) shape[1];
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        if (doubleInput) {
            DoubleBuffer buffer = DoubleBuffer.allocate(rows.length * width);
            for (double[] row : rows) {
                buffer.put(row);
            }
            return OnnxTensor.createTensor(environment, buffer.flip(), shape);
        }
        FloatBuffer buffer = FloatBuffer.allocate(rows.length * width);
        for (double[] row : rows) {
            for (double v : row) {
                buffer.put((float) v);
            }
        }
        return OnnxTensor.createTensor(environment, buffer.flip(), shape);
    }

    private List<Output> values(OrtSession.Result result, int rows) {
        double[] values = numbers(output(result, valueOutput.orElseThrow()), rows);
        List<Output> outputs = new ArrayList<>(rows);
        for (double v : values) {
            outputs.add(new Output(null, null, v));
        }
        return outputs;
    }

    private List<Output> classes(OrtSession.Result result, int rows) throws OrtException {
        List<Map<String, Double>> probabilities = probabilityOutput.isPresent()
                ? probabilities(output(result, probabilityOutput.get()), rows) : null;
        List<String> labels = labelOutput.isPresent() ? labels(output(result, labelOutput.get()), rows) : null;
        List<Output> outputs = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            if (probabilities == null) {
                outputs.add(new Output(labels.get(i), null, null));
            } else {
                // Labels come from the probabilities: ONNX Runtime's two-class TreeEnsembleClassifier
                // can label a row against its own probabilities (ARCHITECTURE.md).
                Map<String, Double> p = probabilities.get(i);
                String best = p.entrySet().stream().max(Comparator.comparingDouble(Map.Entry<String, Double>::getValue))
                        .map(Map.Entry::getKey).orElse(labels == null ? null : labels.get(i));
                outputs.add(new Output(best, p, null));
            }
        }
        return outputs;
    }

    private OnnxValue output(OrtSession.Result result, String name) {
        return result.get(name).orElseThrow(() -> new Unprocessable("model '" + ref + "' gave no output '" + name + "'"));
    }

    private List<Map<String, Double>> probabilities(OnnxValue output, int rows) throws OrtException {
        List<Map<String, Double>> all = new ArrayList<>(rows);
        if (output instanceof OnnxSequence sequence) {
            for (OnnxValue element : sequence.getValue()) {
                all.add(ordered(((OnnxMap) element).getValue()));
            }
        } else {
            double[] flat = numbers(output, -1);
            int columns = flat.length / Math.max(rows, 1);
            for (int i = 0; i < rows; i++) {
                Map<String, Double> row = new LinkedHashMap<>();
                for (int c = 0; c < columns; c++) {
                    String name = c < declaredLabels.size() ? declaredLabels.get(c) : String.valueOf(c);
                    row.put(name, flat[i * columns + c]);
                }
                all.add(row);
            }
        }
        if (all.size() != rows) {
            throw new Unprocessable("model '" + ref + "' gave " + all.size() + " probability rows for " + rows + " rows");
        }
        return all;
    }

    /** The classes in the manifest's label order when it names them all, else sorted (scikit-learn's {@code classes_}). */
    private Map<String, Double> ordered(Map<?, ?> map) {
        List<Object> keys = new ArrayList<>(map.keySet());
        boolean numeric = keys.stream().allMatch(k -> k instanceof Long);
        Map<String, Object> byName = new LinkedHashMap<>();
        keys.forEach(k -> byName.put(String.valueOf(k), k));
        List<String> names;
        if (!declaredLabels.isEmpty() && declaredLabels.size() == byName.size() && byName.keySet().containsAll(declaredLabels)) {
            names = declaredLabels;
        } else if (numeric) {
            names = keys.stream().map(k -> (Long) k).sorted().map(String::valueOf).toList();
        } else {
            names = byName.keySet().stream().sorted().toList();
        }
        Map<String, Double> row = new LinkedHashMap<>();
        for (String name : names) {
            row.put(name, roundFloat(((Number) map.get(byName.get(name))).doubleValue()));
        }
        return row;
    }

    private List<String> labels(OnnxValue output, int rows) {
        OnnxTensor tensor = (OnnxTensor) output;
        List<String> labels = new ArrayList<>(rows);
        if (tensor.getInfo().type == OnnxJavaType.INT64) {
            var buffer = tensor.getLongBuffer();
            while (buffer.hasRemaining()) {
                labels.add(String.valueOf(buffer.get()));
            }
        } else {
            try {
                flattenStrings(tensor.getValue(), labels);
            } catch (OrtException e) {
                throw new Unprocessable("model '" + ref + "' gave unreadable labels: " + e.getMessage(), e);
            }
        }
        return labels;
    }

    private static void flattenStrings(Object value, List<String> into) {
        if (value instanceof Object[] array) {
            for (Object element : array) {
                flattenStrings(element, into);
            }
        } else {
            into.add(String.valueOf(value));
        }
    }

    private double[] numbers(OnnxValue output, int rows) {
        OnnxTensor tensor = (OnnxTensor) output;
        double[] values;
        if (tensor.getInfo().type == OnnxJavaType.DOUBLE) {
            DoubleBuffer buffer = tensor.getDoubleBuffer();
            values = new double[buffer.remaining()];
            buffer.get(values);
        } else {
            FloatBuffer buffer = tensor.getFloatBuffer();
            values = new double[buffer.remaining()];
            for (int i = 0; i < values.length; i++) {
                values[i] = roundFloat(buffer.get());
            }
        }
        if (rows >= 0 && values.length != rows) {
            throw new Unprocessable("model '" + ref + "' gave " + values.length + " values for " + rows + " rows");
        }
        return values;
    }

    /** A float as its shortest decimal (0.8f is 0.8, not 0.800000011920929). */
    private static double roundFloat(double value) {
        float f = (float) value;
        return Float.isFinite(f) && (double) f == value ? Double.parseDouble(Float.toString(f)) : value;
    }

    private static String describe(Map<String, NodeInfo> nodes) {
        List<String> parts = new ArrayList<>();
        nodes.forEach((name, info) -> parts.add(name + " " + info.getInfo()));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    public String ref() {
        return ref;
    }

    /** An estimate of the memory the loaded model holds: the size of its ONNX file. */
    @Override
    public long footprintBytes() {
        return footprintBytes;
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing more to free
        }
    }
}
