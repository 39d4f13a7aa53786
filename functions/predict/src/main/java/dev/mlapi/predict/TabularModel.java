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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashMap;

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

    /** Whether the graph's numeric input is double (the train function's graphs) rather than float (scikit-learn's). */
    public boolean takesDoubles() {
        return doubleInput;
    }

    /**
     * Instances laid out as the graph takes them, row-major: {@code count × width} numbers, in
     * {@code floats} or {@code doubles} (whichever the graph's input is, see {@link #takesDoubles()};
     * the other is null), and for a graph with a {@code text} input {@code count × textWidth}
     * strings in {@code text} (else null).
     */
    public record Rows(int count, int width, float[] floats, double[] doubles, String[] text, int textWidth) {

        /** Rows of numbers only, as doubles. */
        public static Rows of(double[][] rows) {
            int width = rows.length == 0 ? 0 : rows[0].length;
            double[] flat = new double[rows.length * width];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(rows[i], 0, flat, i * width, width);
            }
            return new Rows(rows.length, width, null, flat, null, 0);
        }
    }

    /**
     * Runs the rows through the model.
     *
     * @throws Unprocessable if ONNX Runtime rejects the input or the outputs are not what the graph declared
     */
    public List<Output> predict(double[][] rows) {
        return predict(Rows.of(rows));
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
        int width = text.length == 0 ? 0 : text[0].length;
        String[] flat = new String[text.length * width];
        for (int i = 0; i < text.length; i++) {
            System.arraycopy(text[i], 0, flat, i * width, width);
        }
        Rows numbers = Rows.of(numeric);
        return predict(new Rows(text.length, numbers.width(), null, numbers.doubles(), flat, width));
    }

    /**
     * Runs {@code rows} through the model: the numbers as its input (or its {@code numeric} input)
     * and, when the graph has a {@code text} input and the rows have text, the text as that.
     *
     * @throws Unprocessable if ONNX Runtime rejects the input or the outputs are not what the graph declared
     */
    public List<Output> predict(Rows rows) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        if (rows.text() == null || textInput.isEmpty()) {
            try (OnnxTensor tensor = numbers(environment, rows);
                    OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
                return outputs(result, rows.count());
            } catch (OrtException e) {
                throw new Unprocessable("model '" + ref + "' could not process the input: " + e.getMessage(), e);
            }
        }
        Map<String, OnnxTensor> inputs = new HashMap<>(4);
        try {
            inputs.put(textInput.get(), OnnxTensor.createTensor(environment, rows.text(),
                    new long[] {rows.count(), rows.textWidth()}));
            if (numericInput.isPresent()) {
                inputs.put(numericInput.get(), numbers(environment, rows));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return outputs(result, rows.count());
            }
        } catch (OrtException e) {
            throw new Unprocessable("model '" + ref + "' could not process the input: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private List<Output> outputs(OrtSession.Result result, int rows) throws OrtException {
        return task == Task.REGRESSION ? values(result, rows) : classes(result, rows);
    }

    /** The rows' numbers as a tensor of the graph's input type (converted only if they came in the other). */
    private OnnxTensor numbers(OrtEnvironment environment, Rows rows) throws OrtException {
        long[] shape = {rows.count(), rows.width()};
        if (doubleInput) {
            double[] values = rows.doubles();
            if (values == null) {
                values = new double[rows.floats().length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = rows.floats()[i];
                }
            }
            return OnnxTensor.createTensor(environment, DoubleBuffer.wrap(values), shape);
        }
        float[] values = rows.floats();
        if (values == null) {
            values = new float[rows.doubles().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rows.doubles()[i];
            }
        }
        return OnnxTensor.createTensor(environment, FloatBuffer.wrap(values), shape);
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
        // Read only when needed: a row without probabilities takes the label output's.
        List<String> labels = labelOutput.isPresent()
                && (probabilities == null || probabilities.stream().anyMatch(Map::isEmpty))
                ? labels(output(result, labelOutput.get()), rows) : null;
        List<Output> outputs = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            if (probabilities == null) {
                outputs.add(new Output(labels.get(i), null, null));
            } else {
                // Labels come from the probabilities: ONNX Runtime's two-class TreeEnsembleClassifier
                // can label a row against its own probabilities (ARCHITECTURE.md). The first of equals wins.
                Map<String, Double> p = probabilities.get(i);
                String best = null;
                double highest = 0;
                for (Map.Entry<String, Double> entry : p.entrySet()) {
                    if (best == null || Double.compare(entry.getValue(), highest) > 0) {
                        best = entry.getKey();
                        highest = entry.getValue();
                    }
                }
                outputs.add(new Output(best != null ? best : labels == null ? null : labels.get(i), p, null));
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
            ClassOrder order = null;
            for (OnnxValue element : sequence.getValue()) {
                Map<?, ?> map = ((OnnxMap) element).getValue();
                // Every row of a ZipMap has the same classes: their order is worked out once.
                Map<String, Double> row = order == null ? null : order.row(map, true);
                if (row == null) {
                    order = order(map);
                    row = order.row(map, false);
                }
                all.add(row);
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

    /** The classes of a ZipMap row in the answer's order: by name, and the map's own key for each. */
    private record ClassOrder(String[] names, Object[] keys) {

        /**
         * The row by class name in this order; when {@code exact}, null unless {@code map}'s classes
         * are exactly these (else the order was made from {@code map} itself).
         */
        Map<String, Double> row(Map<?, ?> map, boolean exact) {
            if (exact && map.size() != keys.length) {
                return null;
            }
            Map<String, Double> row = new LinkedHashMap<>(keys.length * 2);
            for (int c = 0; c < keys.length; c++) {
                Object value = map.get(keys[c]);
                if (value == null) {
                    return null;
                }
                row.put(names[c], roundFloat(((Number) value).doubleValue()));
            }
            return row;
        }
    }

    /** The classes in the manifest's label order when it names them all, else sorted (scikit-learn's {@code classes_}). */
    private ClassOrder order(Map<?, ?> map) {
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
        return new ClassOrder(names.toArray(String[]::new), names.stream().map(byName::get).toArray());
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

    /**
     * A float as its shortest decimal (0.8f is 0.8, not 0.800000011920929). The text round trip
     * costs about a microsecond, and a model's probabilities repeat (a forest's leaves, 0 and 1),
     * so the last answers are kept in a small table by the float's bits (a race only recomputes).
     */
    private static double roundFloat(double value) {
        float f = (float) value;
        if (!Float.isFinite(f) || (double) f != value) {
            return value;
        }
        int bits = Float.floatToRawIntBits(f);
        int slot = (bits * 0x9E3779B9) >>> (32 - ROUNDED_BITS);
        Rounded known = ROUNDED[slot];
        if (known != null && known.bits() == bits) {
            return known.value();
        }
        double rounded = Double.parseDouble(Float.toString(f));
        ROUNDED[slot] = new Rounded(bits, rounded);
        return rounded;
    }

    private static final int ROUNDED_BITS = 10;
    private static final Rounded[] ROUNDED = new Rounded[1 << ROUNDED_BITS];

    /** A float's bits and its shortest decimal as a double (final fields: safely published through the table). */
    private record Rounded(int bits, double value) {
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
