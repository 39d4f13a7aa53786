package dev.mlapi.training;

import java.util.List;
import java.util.Map;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import java.util.ArrayList;
import java.util.stream.IntStream;

/** Rows of a {@link TabularDataset} as Tribuo examples and datasets. */
final class TribuoData {

    static final LabelFactory LABELS = new LabelFactory();

    private TribuoData() {
    }

    static Example<Label> example(List<String> featureNames, double[] row, String target) {
        return new ArrayExample<>(target == null ? LABELS.getUnknownOutput() : new Label(target),
                featureNames.toArray(String[]::new), row.clone());
    }

    /** The rows at {@code indices} (all rows when null) as a Tribuo dataset. */
    static MutableDataset<Label> dataset(TabularDataset data, int[] indices) {
        return dataset(data, indices, ClassWeight.NONE);
    }

    /**
     * The rows at {@code indices} (all rows when null) as a Tribuo dataset, each example weighted by
     * its class as {@code classWeight} says over exactly these rows.
     */
    static MutableDataset<Label> dataset(TabularDataset data, int[] indices, ClassWeight classWeight) {
        int[] rows = indices != null ? indices : IntStream.range(0, data.size()).toArray();
        List<String> targets = new ArrayList<>();
        for (int i : rows) {
            targets.add(data.targets().get(i));
        }
        Map<String, Double> weights = classWeight.weights(targets);
        var dataset = new MutableDataset<Label>(new SimpleDataSourceProvenance("csv", LABELS), LABELS);
        for (int i : rows) {
            Example<Label> example = example(data.featureNames(), data.rows()[i], data.targets().get(i));
            if (classWeight != ClassWeight.NONE) {
                example.setWeight(weights.get(data.targets().get(i)).floatValue());
            }
            dataset.add(example);
        }
        return dataset;
    }
}
