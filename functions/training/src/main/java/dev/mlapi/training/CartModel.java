package dev.mlapi.training;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Output;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.common.tree.LeafNode;
import org.tribuo.common.tree.Node;
import org.tribuo.common.tree.SplitNode;
import org.tribuo.common.tree.TreeModel;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.regression.Regressor;
import com.oracle.labs.mlrg.olcut.util.Pair;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;

/**
 * A {@link Cart} tree as a Tribuo {@link TreeModel}: it predicts from its own arrays (column
 * {@code f} is the feature with Tribuo id {@code f}; a feature an example lacks is 0, as in
 * Tribuo), and {@link #getRoot()} gives the same tree as Tribuo's {@link SplitNode}s and
 * {@link LeafNode}s, so the ONNX exporters, the split-count importances and the export check read
 * it as they read Tribuo's own trees.
 */
final class CartModel<T extends Output<T>> extends TreeModel<T> {

    private static final long serialVersionUID = 1L;

    private final transient Cart.Tree tree;
    /** Classification: the classes by Tribuo id; null for regression. */
    private final transient Label[] classes;
    /** Classification: the class ids in name order (a tie goes to the first name, as scikit-learn's argmax). */
    private final transient int[] byName;
    /** Regression: the target's dimension name. */
    private final transient String dimension;
    private transient volatile Node<T> root;

    private CartModel(String name, ModelProvenance provenance, ImmutableFeatureMap features,
            ImmutableOutputInfo<T> outputs, boolean probabilities, Cart.Tree tree, Label[] classes, String dimension) {
        super(name, provenance, features, outputs, probabilities, Map.of(Model.ALL_OUTPUTS, usedFeatures(tree, features)));
        this.tree = tree;
        this.classes = classes;
        this.dimension = dimension;
        if (classes != null) {
            Integer[] order = new Integer[classes.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparing(i -> classes[i].getLabel()));
            this.byName = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        } else {
            this.byName = null;
        }
    }

    static CartModel<Label> classifier(ModelProvenance provenance, ImmutableFeatureMap features,
            ImmutableOutputInfo<Label> outputs, Cart.Tree tree) {
        Label[] classes = new Label[outputs.size()];
        for (int c = 0; c < classes.length; c++) {
            classes[c] = outputs.getOutput(c);
        }
        return new CartModel<>("cart-tree", provenance, features, outputs, true, tree, classes, null);
    }

    static CartModel<Regressor> regressor(ModelProvenance provenance, ImmutableFeatureMap features,
            ImmutableOutputInfo<Regressor> outputs, Cart.Tree tree, String dimension) {
        return new CartModel<>("cart-tree", provenance, features, outputs, false, tree, null, dimension);
    }

    private static List<String> usedFeatures(Cart.Tree tree, ImmutableFeatureMap features) {
        TreeSet<String> used = new TreeSet<>();
        for (int f : tree.feature) {
            if (f >= 0) {
                used.add(features.get(f).getName());
            }
        }
        return new ArrayList<>(used);
    }

    Cart.Tree tree() {
        return tree;
    }

    /** The leaf of a row given as the fit's columns (Tribuo feature ids). */
    int leaf(double[] row) {
        return tree.leaf(row);
    }

    @Override
    public Prediction<T> predict(Example<T> example) {
        double[] row = new double[featureIDMap.size()];
        int used = 0;
        for (Feature feature : example) {
            int id = featureIDMap.getID(feature.getName());
            if (id >= 0) {
                row[id] = feature.getValue();
                used++;
            }
        }
        if (used == 0) {
            throw new IllegalArgumentException("No features found in Example " + example);
        }
        return prediction(tree.leaf(row), used, example);
    }

    @SuppressWarnings("unchecked")
    private Prediction<T> prediction(int leaf, int used, Example<T> example) {
        if (classes == null) {
            return (Prediction<T>) new Prediction<>(new Regressor(dimension, tree.value[leaf]), used,
                    (Example<Regressor>) example);
        }
        return (Prediction<T>) classPrediction(leaf, used, (Example<Label>) example);
    }

    private Prediction<Label> classPrediction(int leaf, int used, Example<Label> example) {
        int width = tree.width;
        Map<String, Label> scores = new LinkedHashMap<>();
        int best = byName[0];
        for (int c : byName) {
            double p = tree.value[leaf * width + c];
            scores.put(classes[c].getLabel(), new Label(classes[c].getLabel(), p));
            if (p > tree.value[leaf * width + best]) {
                best = c;
            }
        }
        return new Prediction<>(new Label(classes[best].getLabel(), tree.value[leaf * width + best]), scores, used,
                example, true);
    }

    /** The label of highest score in {@code scores} (indexed by class id), the first by name on a tie. */
    String bestLabel(double[] scores) {
        int best = byName[0];
        for (int c : byName) {
            if (scores[c] > scores[best]) {
                best = c;
            }
        }
        return classes[best].getLabel();
    }

    /** The tree as Tribuo nodes (built once, on first use). */
    @Override
    public Node<T> getRoot() {
        Node<T> r = root;
        if (r == null) {
            r = nodes();
            root = r;
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private Node<T> nodes() {
        int count = tree.nodes();
        List<Node<T>> built = new ArrayList<>(Collections.nCopies(count, null));
        // children have larger ids than their parent: build from the last node back
        for (int n = count - 1; n >= 0; n--) {
            if (tree.feature[n] >= 0) {
                built.set(n, new SplitNode<>(tree.threshold[n], tree.feature[n], tree.impurity[n],
                        built.get(tree.right[n]), built.get(tree.left[n])));
            } else if (classes == null) {
                Regressor value = new Regressor(dimension, tree.value[n]);
                built.set(n, (Node<T>) new LeafNode<>(tree.impurity[n], value, Map.of(dimension, value), false));
            } else {
                Map<String, Label> distribution = new LinkedHashMap<>();
                int width = tree.width;
                int best = byName[0];
                for (int c : byName) {
                    double p = tree.value[n * width + c];
                    distribution.put(classes[c].getLabel(), new Label(classes[c].getLabel(), p));
                    if (p > tree.value[n * width + best]) {
                        best = c;
                    }
                }
                Label output = new Label(classes[best].getLabel(), tree.value[n * width + best]);
                built.set(n, (Node<T>) new LeafNode<>(tree.impurity[n], output, distribution, true));
            }
        }
        return built.get(0);
    }

    /** How many splits test each feature, most first (Tribuo's view of a tree's features). */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        Map<String, Double> counts = new HashMap<>();
        for (int f : tree.feature) {
            if (f >= 0) {
                counts.merge(featureIDMap.get(f).getName(), 1.0, Double::sum);
            }
        }
        List<Pair<String, Double>> top = new ArrayList<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(n < 0 ? Long.MAX_VALUE : n)
                .forEach(e -> top.add(new Pair<>(e.getKey(), e.getValue())));
        return Map.of(Model.ALL_OUTPUTS, top);
    }

    @Override
    public int getDepth() {
        return tree.depth();
    }

    @Override
    public Optional<Excuse<T>> getExcuse(Example<T> example) {
        return Optional.empty();
    }

    @Override
    protected TreeModel<T> copy(String newName, ModelProvenance newProvenance) {
        return new CartModel<>(newName, newProvenance, featureIDMap, outputIDInfo, generatesProbabilities, tree,
                classes, dimension);
    }

    @Override
    public String toString() {
        return "CartModel(nodes=" + tree.nodes() + ", depth=" + getDepth() + ")";
    }
}
