package dev.mlapi.training;

import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Output;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.dtree.impurity.Entropy;
import org.tribuo.classification.dtree.impurity.GiniIndex;
import org.tribuo.common.tree.DecisionTreeTrainer;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.common.tree.TreeModel;
import org.tribuo.ensemble.BaggingTrainer;
import org.tribuo.ensemble.EnsembleCombiner;
import org.tribuo.ensemble.WeightedEnsembleModel;
import org.tribuo.provenance.DatasetProvenance;
import org.tribuo.provenance.EnsembleModelProvenance;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.rtree.CARTRegressionTrainer;
import org.tribuo.regression.rtree.impurity.MeanAbsoluteError;
import org.tribuo.regression.rtree.impurity.MeanSquaredError;

/**
 * Tribuo trainers that grow {@link Cart} trees: a decision tree, and a forest of bootstrapped
 * trees grown in parallel (on up to {@link SearchOptions#parallelism()} cores), asking the
 * search's stop condition before each tree. Their provenance is that of Tribuo's equivalent
 * trainer ({@link CARTClassificationTrainer}, {@link CARTRegressionTrainer},
 * {@link RandomForestTrainer}, {@link BaggingTrainer}) with the same parameters and seed. A seed
 * gives the same model whatever the number of cores: every tree's seed is drawn in order before
 * any tree is grown.
 */
final class CartTrainers {

    private CartTrainers() {
    }

    /** The tree parameters of a classification candidate. */
    static Cart.Params classification(Map<String, Object> params, int featureCount, boolean forest) {
        Cart.Criterion criterion = "entropy".equals(params.get("criterion")) ? Cart.Criterion.ENTROPY
                : Cart.Criterion.GINI;
        return params(params, featureCount, forest ? params.getOrDefault("max_features", "sqrt") : null, criterion);
    }

    /** The tree parameters of a regression candidate (squared error unless {@code criterion} is {@code absolute_error}). */
    static Cart.Params regression(Map<String, Object> params, int featureCount, boolean forest) {
        return params(params, featureCount, forest ? params.getOrDefault("max_features", 1.0) : null,
                absoluteError(params) ? Cart.Criterion.ABSOLUTE_ERROR : Cart.Criterion.SQUARED_ERROR);
    }

    private static boolean absoluteError(Map<String, Object> params) {
        return "absolute_error".equals(params.get("criterion"));
    }

    private static Cart.Params params(Map<String, Object> params, int featureCount, Object maxFeatures,
            Cart.Criterion criterion) {
        Object depth = params.get("max_depth");
        int maxDepth = depth == null ? Integer.MAX_VALUE : ((Number) depth).intValue();
        int minLeaf = ((Number) params.getOrDefault("min_samples_leaf", 1)).intValue();
        return new Cart.Params(maxDepth, minLeaf, maxFeatures == null ? featureCount
                : featuresPerSplit(maxFeatures, featureCount), criterion);
    }

    /** scikit-learn's {@code max_features} as a number of features tried per split. */
    static int featuresPerSplit(Object maxFeatures, int featureCount) {
        int count;
        if ("sqrt".equals(maxFeatures)) {
            count = (int) Math.floor(Math.sqrt(featureCount));
        } else if ("log2".equals(maxFeatures)) {
            count = (int) Math.floor(Math.log(featureCount) / Math.log(2));
        } else if (maxFeatures instanceof Integer i) {
            count = i;
        } else {
            count = (int) (((Number) maxFeatures).doubleValue() * featureCount);
        }
        return Math.max(1, Math.min(featureCount, count));
    }

    /** Tribuo's trainer with the same parameters (its provenance is ours). */
    static DecisionTreeTrainer<Label> tribuoClassifier(Map<String, Object> params, long seed, int featureCount,
            boolean forest) {
        Object depth = params.get("max_depth");
        int maxDepth = depth == null ? Integer.MAX_VALUE : ((Number) depth).intValue();
        float minLeaf = ((Number) params.getOrDefault("min_samples_leaf", 1)).floatValue();
        float fraction = forest ? Algorithm.featureFraction(params.getOrDefault("max_features", "sqrt"), featureCount)
                : 1.0f;
        return new CARTClassificationTrainer(maxDepth, minLeaf, 0.0f, fraction, false,
                "entropy".equals(params.get("criterion")) ? new Entropy() : new GiniIndex(), seed);
    }

    static DecisionTreeTrainer<Regressor> tribuoRegressor(Map<String, Object> params, long seed, int featureCount,
            boolean forest) {
        Object depth = params.get("max_depth");
        int maxDepth = depth == null ? Integer.MAX_VALUE : ((Number) depth).intValue();
        float minLeaf = ((Number) params.getOrDefault("min_samples_leaf", 1)).floatValue();
        float fraction = forest ? Algorithm.featureFraction(params.getOrDefault("max_features", 1.0), featureCount)
                : 1.0f;
        return new CARTRegressionTrainer(maxDepth, minLeaf, 0.0f, fraction, false,
                absoluteError(params) ? new MeanAbsoluteError() : new MeanSquaredError(), seed);
    }

    /** A dataset's rows by column (Tribuo feature ids), targets and weights, with every feature sorted. */
    static <T extends Output<T>> Cart.Data data(Dataset<T> dataset, boolean regression) {
        ImmutableFeatureMap features = dataset.getFeatureIDMap();
        ImmutableOutputInfo<T> outputs = dataset.getOutputIDInfo();
        int n = dataset.size();
        double[][] x = new double[features.size()][n];
        double[] weights = new double[n];
        int[] classes = regression ? null : new int[n];
        double[] y = regression ? new double[n] : null;
        int i = 0;
        for (Example<T> example : dataset) {
            for (Feature feature : example) {
                int id = features.getID(feature.getName());
                if (id >= 0) {
                    x[id][i] = feature.getValue();
                }
            }
            weights[i] = example.getWeight();
            if (regression) {
                y[i] = ((Regressor) example.getOutput()).getValues()[0];
            } else {
                classes[i] = outputs.getID(example.getOutput());
            }
            i++;
        }
        return new Cart.Data(x, n, classes, regression ? 0 : outputs.size(), y, weights);
    }

    /**
     * What a model keeps of the rows it was trained on: Tribuo's feature map (with each feature's
     * statistics) and output map, the dataset's provenance (a new one for each model that records
     * it, as {@code Dataset.getProvenance()} gives), and a regression's target name.
     */
    record Source<T extends Output<T>>(ImmutableFeatureMap features, ImmutableOutputInfo<T> outputs,
            Supplier<DatasetProvenance> provenance, String dimension) {

        @SuppressWarnings("unchecked")
        static <T extends Output<T>> Source<T> of(Dataset<T> dataset, boolean regression) {
            String dimension = regression
                    ? ((Dataset<Regressor>) dataset).getExample(0).getOutput().getNames()[0] : null;
            return new Source<>(dataset.getFeatureIDMap(), dataset.getOutputIDInfo(), dataset::getProvenance,
                    dimension);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Output<T>> TreeModel<T> model(Source<T> source, ModelProvenance provenance,
            Cart.Tree tree, boolean regression) {
        if (regression) {
            return (TreeModel<T>) CartModel.regressor(provenance, source.features(),
                    (ImmutableOutputInfo<Regressor>) source.outputs(), tree, source.dimension());
        }
        return (TreeModel<T>) CartModel.classifier(provenance, source.features(),
                (ImmutableOutputInfo<Label>) source.outputs(), tree);
    }

    private static long mix(long seed, int invocation) {
        return seed + 0x9E3779B97F4A7C15L * invocation;
    }

    /** One tree: {@link Cart} on every row, all features tried at each node in a random order. */
    static final class Tree<T extends Output<T>> implements Trainer<T> {
        private final Cart.Params params;
        private final DecisionTreeTrainer<T> twin;
        private final long seed;
        private int invocations;

        Tree(Cart.Params params, DecisionTreeTrainer<T> twin, long seed) {
            this.params = params;
            this.twin = twin;
            this.seed = seed;
        }

        @Override
        public TreeModel<T> train(Dataset<T> examples, Map<String, Provenance> runProvenance) {
            return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
        }

        @Override
        public synchronized TreeModel<T> train(Dataset<T> examples, Map<String, Provenance> runProvenance,
                int invocationCount) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                invocations = invocationCount;
            }
            int invocation = invocations++;
            return grown(data(examples, params.regression()), null, Source.of(examples, params.regression()),
                    runProvenance, invocation);
        }

        /**
         * The refit: the model {@link #train} would give on a Tribuo dataset of every row of
         * {@code fits} (each weighted by {@code weights}, null: 1), grown on the plan's sorted rows
         * without building that dataset; {@code fits.source()} stands for it (its feature statistics
         * and provenance).
         */
        synchronized TreeModel<T> refit(CartFits<T> fits, double[] weights) {
            int invocation = invocations++;
            return grown(fits.data(), weights, fits.source(), Collections.emptyMap(), invocation);
        }

        private TreeModel<T> grown(Cart.Data data, double[] weights, Source<T> source,
                Map<String, Provenance> runProvenance, int invocation) {
            twin.setInvocationCount(invocation);
            TrainerProvenance trainerProvenance = twin.getProvenance();
            Cart.Tree tree = Cart.grow(data, params, null, weights, new SplittableRandom(mix(seed, invocation)));
            ModelProvenance provenance = new ModelProvenance(TreeModel.class.getName(), OffsetDateTime.now(),
                    source.provenance().get(), trainerProvenance, runProvenance);
            return model(source, provenance, tree, params.regression());
        }

        /** The tree of the plan's rows {@code rows} (weighted by {@code weights}, null: 1), as {@link #train} on them would grow it. */
        TreeModel<T> fit(CartFits<T> fits, int[] rows, double[] weights) {
            int[] counts = new int[fits.data().rows];
            for (int r : rows) {
                counts[r] = 1;
            }
            Cart.Tree tree = Cart.grow(fits.data(), params, counts, weights, new SplittableRandom(mix(seed, 0)));
            return fits.model(tree);
        }

        @Override
        public int getInvocationCount() {
            return invocations;
        }

        @Override
        public synchronized void setInvocationCount(int count) {
            invocations = count;
        }

        @Override
        public TrainerProvenance getProvenance() {
            return twin.getProvenance();
        }
    }

    /**
     * A random forest (a fraction of the features per split) or bagged trees (every feature):
     * {@code trees} trees, each on a bootstrap sample of the rows (drawn with replacement, the
     * counts weighing the rows), averaged by {@code combiner}.
     */
    static final class Forest<T extends Output<T>> implements Trainer<T>, StoppableEnsembles.Counted {
        private final Cart.Params params;
        private final DecisionTreeTrainer<T> twinTree;
        private final EnsembleCombiner<T> combiner;
        private final int trees;
        private final long seed;
        private final SearchOptions options;
        private final boolean randomForest;
        private int started;
        private int invocations;

        Forest(Cart.Params params, DecisionTreeTrainer<T> twinTree, EnsembleCombiner<T> combiner, int trees, long seed,
                SearchOptions options, boolean randomForest) {
            this.params = params;
            this.twinTree = twinTree;
            this.combiner = combiner;
            this.trees = trees;
            this.seed = seed;
            this.options = options;
            this.randomForest = randomForest;
        }

        @Override
        public synchronized int membersStarted() {
            return started;
        }

        /** Asks the stop condition before a tree: null to go on, else why not (counted under one lock). */
        private synchronized TrainingStopped check() {
            var reason = options.stopReason();
            if (reason.isPresent()) {
                return new TrainingStopped(reason.get() + " (after " + started + " trees of a fit)");
            }
            started++;
            return null;
        }

        @Override
        public Model<T> train(Dataset<T> examples, Map<String, Provenance> runProvenance) {
            return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
        }

        @Override
        public Model<T> train(Dataset<T> examples, Map<String, Provenance> runProvenance, int invocationCount) {
            int invocation;
            synchronized (this) {
                if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                    invocations = invocationCount;
                }
                invocation = invocations++;
            }
            return grown(data(examples, params.regression()), null, Source.of(examples, params.regression()),
                    runProvenance, invocation);
        }

        /**
         * The refit: the forest {@link #train} would give on a Tribuo dataset of every row of
         * {@code fits} (each weighted by {@code weights}, null: 1), grown on the plan's sorted rows
         * without building that dataset; {@code fits.source()} stands for it.
         */
        Model<T> refit(CartFits<T> fits, double[] weights) {
            int invocation;
            synchronized (this) {
                invocation = invocations++;
            }
            return grown(fits.data(), weights, fits.source(), Collections.emptyMap(), invocation);
        }

        private Model<T> grown(Cart.Data data, double[] weights, Source<T> source,
                Map<String, Provenance> runProvenance, int invocation) {
            TrainerProvenance trainerProvenance = twin(invocation).getProvenance();
            TrainerProvenance treeProvenance = twinTree.getProvenance();
            Cart.Tree[] grown = grow(data, null, weights, invocation);
            OffsetDateTime now = OffsetDateTime.now();
            List<Model<T>> models = new ArrayList<>();
            List<ModelProvenance> memberProvenance = new ArrayList<>();
            for (Cart.Tree tree : grown) {
                ModelProvenance provenance = new ModelProvenance(TreeModel.class.getName(), now,
                        source.provenance().get(), treeProvenance, runProvenance);
                models.add(model(source, provenance, tree, params.regression()));
                memberProvenance.add(provenance);
            }
            EnsembleModelProvenance provenance = new EnsembleModelProvenance(WeightedEnsembleModel.class.getName(), now,
                    source.provenance().get(), trainerProvenance, runProvenance,
                    new ListProvenance<>(memberProvenance));
            return new WeightedEnsembleModel<>(name(), provenance, source.features(), source.outputs(), models,
                    combiner);
        }

        /** The forest of the plan's rows {@code rows} (weighted by {@code weights}, null: 1), as {@link #train} on them would grow it. */
        Model<T> fit(CartFits<T> fits, int[] rows, double[] weights) {
            Cart.Tree[] grown = grow(fits.data(), rows, weights, 0);
            List<Model<T>> models = new ArrayList<>();
            for (Cart.Tree tree : grown) {
                models.add(fits.model(tree));
            }
            return fits.ensemble(name(), models, combiner);
        }

        private String name() {
            return randomForest ? "random-forest-ensemble" : "bagging-ensemble";
        }

        /**
         * The trees, each on a bootstrap sample of {@code rows} (every row of {@code data} when
         * null), grown in parallel when the options allow; stops between trees.
         */
        private Cart.Tree[] grow(Cart.Data data, int[] rows, double[] weights, int invocation) {
            SplittableRandom seeds = new SplittableRandom(mix(seed, invocation));
            long[] treeSeeds = new long[trees];
            for (int t = 0; t < trees; t++) {
                treeSeeds[t] = seeds.nextLong();
            }
            int sampled = rows == null ? data.rows : rows.length;
            Cart.Tree[] grown = new Cart.Tree[trees];
            AtomicReference<TrainingStopped> stopped = new AtomicReference<>();
            Runnable grow = () -> stream(trees).forEach(t -> {
                if (stopped.get() != null) {
                    return;
                }
                TrainingStopped stop = check();
                if (stop != null) {
                    stopped.compareAndSet(null, stop);
                    return;
                }
                SplittableRandom random = new SplittableRandom(treeSeeds[t]);
                int[] counts = new int[data.rows];
                for (int i = 0; i < sampled; i++) {
                    int k = random.nextInt(sampled);
                    counts[rows == null ? k : rows[k]]++;
                }
                grown[t] = Cart.grow(data, params, counts, weights, random);
            });
            run(grow);
            if (stopped.get() != null) {
                throw stopped.get();
            }
            return grown;
        }

        private IntStream stream(int count) {
            IntStream all = IntStream.range(0, count);
            return options.parallelism() > 1 && count > 1 ? all.parallel() : all;
        }

        /** Runs on the caller's pool when it is one (a parallel search's fit), else on a pool of the options' size. */
        private void run(Runnable grow) {
            if (options.parallelism() == 1 || ForkJoinTask.inForkJoinPool()) {
                grow.run();
                return;
            }
            ForkJoinPool pool = new ForkJoinPool(options.parallelism());
            try {
                pool.submit(grow).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrainingStopped("interrupted (after " + membersStarted() + " trees of a fit)");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdown();
            }
        }

        private Trainer<T> twin(int invocation) {
            BaggingTrainer<T> twin = randomForest ? new RandomForestTrainer<>(twinTree, combiner, trees, seed)
                    : new BaggingTrainer<>(twinTree, combiner, trees, seed);
            twin.setInvocationCount(invocation);
            return twin;
        }

        @Override
        public int getInvocationCount() {
            return invocations;
        }

        @Override
        public synchronized void setInvocationCount(int count) {
            invocations = count;
        }

        /** Tribuo's own forest (or bagging) trainer's provenance, with the same trees, parameters and seed. */
        @Override
        public TrainerProvenance getProvenance() {
            return twin(invocations).getProvenance();
        }
    }
}
