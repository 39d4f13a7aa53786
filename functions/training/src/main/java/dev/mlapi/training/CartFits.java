package dev.mlapi.training;

import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.BooleanProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.tribuo.Tribuo;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.MutableFeatureMap;
import org.tribuo.MutableOutputInfo;
import org.tribuo.Output;
import org.tribuo.OutputFactory;
import org.tribuo.classification.Label;
import org.tribuo.common.tree.TreeModel;
import org.tribuo.ensemble.EnsembleCombiner;
import org.tribuo.ensemble.WeightedEnsembleModel;
import org.tribuo.provenance.DatasetProvenance;
import org.tribuo.provenance.EnsembleModelProvenance;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.regression.Regressor;
import java.util.Arrays;

/**
 * A search plan's rows as {@link Cart} reads them, built once per plan and shared (read-only) by
 * all its cross-validation fits: the columns by Tribuo feature id, every feature sorted once, the
 * class ids or targets. A fit grows its trees on its own rows of these (a 0/1 mask, or bootstrap
 * counts over them), so no fit builds a Tribuo dataset or sorts anything; and a fit's model is
 * scored straight from the table's rows. The models are {@link CartModel}s with the plan's feature
 * and output maps and a placeholder provenance: they are scored and dropped. The refit, whose
 * model is kept, grows on the same sorted rows but carries what a Tribuo dataset of the plan's rows
 * would have given it ({@link #source()}: the feature statistics, the dataset's provenance), without
 * building one: an example per row, its sorted feature names and a feature-map update per value
 * cost more than the fit on small tables (BENCHMARKS.md, "per-fit time").
 */
final class CartFits<T extends Output<T>> {

    private final Cart.Data data;
    private final ImmutableFeatureMap features;
    private final ImmutableOutputInfo<T> outputs;
    private final int[] idOfColumn;
    private final String dimension;
    /** The trainer of the plan's first fit, whose provenance the placeholders name. */
    private final Supplier<TrainerProvenance> trainerProvenance;
    // the cross-validation fits' placeholder provenance (made by the first of them: a refit needs none)
    private ModelProvenance provenance;
    private EnsembleModelProvenance ensembleProvenance;
    private final TabularDataset table;
    private final OutputFactory<T> factory;
    /** The feature map a Tribuo dataset of the rows would have, with its statistics (built on first use). */
    private ImmutableFeatureMap statistics;

    private CartFits(TabularDataset table, double[] y, OutputFactory<T> factory,
            Supplier<TrainerProvenance> trainerProvenance) {
        this.table = table;
        this.factory = factory;
        List<String> names = table.featureNames();
        MutableFeatureMap mutable = new MutableFeatureMap();
        for (String name : names) {
            mutable.add(name, 1.0);
        }
        this.features = new ImmutableFeatureMap(mutable);
        this.idOfColumn = new int[names.size()];
        for (int c = 0; c < names.size(); c++) {
            idOfColumn[c] = features.getID(names.get(c));
        }
        int n = table.size();
        double[][] x = new double[features.size()][n];
        double[][] rows = table.rows();
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < idOfColumn.length; c++) {
                x[idOfColumn[c]][r] = rows[r][c];
            }
        }
        MutableOutputInfo<T> info = factory.generateInfo();
        @SuppressWarnings("unchecked")
        T[] outputsByRow = (T[]) new Output<?>[n];
        this.dimension = table.target();
        for (int r = 0; r < n; r++) {
            @SuppressWarnings("unchecked")
            T output = y != null ? (T) new Regressor(dimension, y[r]) : (T) new Label(table.targets().get(r));
            outputsByRow[r] = output;
            info.observe(output);
        }
        this.outputs = info.generateImmutableOutputInfo();
        int[] classes = null;
        if (y == null) {
            classes = new int[n];
            for (int r = 0; r < n; r++) {
                classes[r] = outputs.getID(outputsByRow[r]);
            }
        }
        double[] weights = new double[n];
        Arrays.fill(weights, 1.0);
        this.data = new Cart.Data(x, n, classes, y == null ? outputs.size() : 0, y, weights);
        this.trainerProvenance = trainerProvenance;
    }

    static CartFits<Label> classification(TabularDataset table, Supplier<TrainerProvenance> trainer) {
        return new CartFits<>(table, null, TribuoData.LABELS, trainer);
    }

    static CartFits<Regressor> regression(TabularDataset table, double[] y, Supplier<TrainerProvenance> trainer) {
        return new CartFits<>(table, y, RegressionSearch.FACTORY, trainer);
    }

    /** Makes the cross-validation fits' placeholder provenance on first use. */
    private synchronized void placeholders() {
        if (provenance == null) {
            DatasetProvenance empty = new MutableDataset<>(new SimpleDataSourceProvenance("csv", factory), factory)
                    .getProvenance();
            OffsetDateTime now = OffsetDateTime.now();
            TrainerProvenance trainer = trainerProvenance.get();
            ensembleProvenance = new EnsembleModelProvenance(WeightedEnsembleModel.class.getName(), now, empty,
                    trainer, new ListProvenance<>());
            provenance = new ModelProvenance(TreeModel.class.getName(), now, empty, trainer);
        }
    }

    Cart.Data data() {
        return data;
    }

    /**
     * What {@code MutableDataset} of every row (an {@code ArrayExample} per row, as
     * {@link TribuoData#dataset} and {@link RegressionSearch#dataset} build it) would give a model
     * trained on it: the same feature map (each feature's values observed in row order, so the same
     * statistics), output map and dataset provenance (a fresh {@code csv} source, no
     * transformations, dense).
     */
    synchronized CartTrainers.Source<T> source() {
        if (statistics == null) {
            List<String> names = table.featureNames();
            double[][] rows = table.rows();
            MutableFeatureMap observed = new MutableFeatureMap();
            for (int c = 0; c < names.size(); c++) {
                String name = names.get(c);
                for (double[] row : rows) {
                    observed.add(name, row[c]);
                }
            }
            ImmutableFeatureMap map = new ImmutableFeatureMap(observed);
            for (int c = 0; c < names.size(); c++) {
                if (map.getID(names.get(c)) != idOfColumn[c]) {
                    throw new IllegalStateException("feature ids differ for " + names.get(c));
                }
            }
            statistics = map;
        }
        SimpleDataSourceProvenance csv = new SimpleDataSourceProvenance("csv", factory);
        ImmutableFeatureMap features = statistics;
        return new CartTrainers.Source<>(features, outputs, () -> datasetProvenance(csv, features.size()),
                data.classes == null ? dimension : null);
    }

    /** {@code MutableDataset.getProvenance()} of a dense dataset of every row from {@code csv}, untransformed. */
    private DatasetProvenance datasetProvenance(SimpleDataSourceProvenance csv, int featureCount) {
        Map<String, Provenance> provenance = new LinkedHashMap<>();
        provenance.put(ObjectProvenance.CLASS_NAME, new StringProvenance(ObjectProvenance.CLASS_NAME,
                MutableDataset.class.getName()));
        provenance.put("datasource", csv);
        provenance.put("transformations", new ListProvenance<>());
        provenance.put("is-sequence", new BooleanProvenance("is-sequence", false));
        provenance.put("is-dense", new BooleanProvenance("is-dense", true));
        provenance.put("num-examples", new IntProvenance("num-examples", data.rows));
        provenance.put("num-features", new IntProvenance("num-features", featureCount));
        provenance.put("num-outputs", new IntProvenance("num-outputs", outputs.size()));
        provenance.put("tribuo-version", new StringProvenance("tribuo-version", Tribuo.VERSION));
        return new DatasetProvenance(provenance);
    }

    @SuppressWarnings("unchecked")
    TreeModel<T> model(Cart.Tree tree) {
        placeholders();
        if (data.classes == null) {
            return (TreeModel<T>) CartModel.regressor(provenance, features, (ImmutableOutputInfo<Regressor>) outputs,
                    tree, dimension);
        }
        return (TreeModel<T>) CartModel.classifier(provenance, features, (ImmutableOutputInfo<Label>) outputs, tree);
    }

    Model<T> ensemble(String name, List<Model<T>> members, EnsembleCombiner<T> combiner) {
        placeholders();
        return new WeightedEnsembleModel<>(name, ensembleProvenance, features, outputs, members, combiner);
    }

    /** A table row (the table's column order) as the fit's columns (Tribuo feature ids). */
    private double[] byId(double[] row) {
        double[] out = new double[features.size()];
        for (int c = 0; c < idOfColumn.length; c++) {
            out[idOfColumn[c]] = row[c];
        }
        return out;
    }

    /**
     * The label {@code model} (a tree or forest of this plan's fits) gives a table row: the class
     * of highest mean probability over the trees, the first by name on a tie.
     */
    String label(Model<Label> model, double[] row) {
        double[] x = byId(row);
        List<? extends Model<Label>> trees = model instanceof WeightedEnsembleModel<Label> forest
                ? forest.getModels() : List.of(model);
        int width = data.classCount;
        double[] sum = new double[width];
        CartModel<Label> first = null;
        for (Model<Label> m : trees) {
            CartModel<Label> tree = (CartModel<Label>) m;
            first = tree;
            Cart.Tree arrays = tree.tree();
            int leaf = arrays.leaf(x);
            for (int c = 0; c < width; c++) {
                sum[c] += arrays.value[leaf * width + c];
            }
        }
        return first.bestLabel(sum);
    }

    /** The value {@code model} (a tree or forest of this plan's fits) gives a table row: the mean over its trees. */
    double value(Model<Regressor> model, double[] row) {
        double[] x = byId(row);
        List<? extends Model<Regressor>> trees = model instanceof WeightedEnsembleModel<Regressor> forest
                ? forest.getModels() : List.of(model);
        double sum = 0;
        for (Model<Regressor> m : trees) {
            Cart.Tree arrays = ((CartModel<Regressor>) m).tree();
            sum += arrays.value[arrays.leaf(x)];
        }
        return sum / trees.size();
    }

}
