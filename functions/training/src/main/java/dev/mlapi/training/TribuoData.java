package dev.mlapi.training;

import java.util.List;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

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
        var dataset = new MutableDataset<Label>(new SimpleDataSourceProvenance("csv", LABELS), LABELS);
        if (indices == null) {
            for (int i = 0; i < data.size(); i++) {
                dataset.add(example(data.featureNames(), data.rows()[i], data.targets().get(i)));
            }
        } else {
            for (int i : indices) {
                dataset.add(example(data.featureNames(), data.rows()[i], data.targets().get(i)));
            }
        }
        return dataset;
    }
}
