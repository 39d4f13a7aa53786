package dev.mlapi.training;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Output;
import org.tribuo.Trainer;
import org.tribuo.common.tree.DecisionTreeTrainer;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.ensemble.BaggingTrainer;
import org.tribuo.ensemble.EnsembleCombiner;
import org.tribuo.provenance.TrainerProvenance;

/**
 * Tribuo's random forest and bagging trainers, asking {@link SearchOptions#stopReason()} before
 * each member (tree) and throwing {@link TrainingStopped} once there is a reason: a cancelled or
 * timed-out job stops within one tree, not at the end of a fit of hundreds. Only the check is
 * added (Tribuo's {@code trainSingleModel} hook, called once per member in order): the members'
 * seeds and bootstrap samples, hence the models, are Tribuo's own.
 */
final class StoppableEnsembles {

    private StoppableEnsembles() {
    }

    /** A trainer whose members can be counted: how many were started (for tests and messages). */
    interface Counted {
        int membersStarted();
    }

    static <T extends Output<T>> Trainer<T> randomForest(DecisionTreeTrainer<T> tree, EnsembleCombiner<T> combiner,
            int trees, long seed, SearchOptions options) {
        return new RandomForest<>(tree, combiner, trees, seed, options);
    }

    static <T extends Output<T>> Trainer<T> bagging(Trainer<T> tree, EnsembleCombiner<T> combiner, int trees,
            long seed, SearchOptions options) {
        return new Bagging<>(tree, combiner, trees, seed, options);
    }

    private static void check(SearchOptions options, AtomicInteger started) {
        options.stopReason().ifPresent(reason -> {
            throw new TrainingStopped(reason + " (after " + started.get() + " trees of a fit)");
        });
        started.incrementAndGet();
    }

    static final class RandomForest<T extends Output<T>> extends RandomForestTrainer<T> implements Counted {
        private final transient SearchOptions options;
        private final transient AtomicInteger started = new AtomicInteger();

        RandomForest(DecisionTreeTrainer<T> tree, EnsembleCombiner<T> combiner, int trees, long seed,
                SearchOptions options) {
            super(tree, combiner, trees, seed);
            this.options = options;
        }

        @Override
        protected Model<T> trainSingleModel(Dataset<T> examples, ImmutableFeatureMap featureIDs,
                ImmutableOutputInfo<T> labelIDs, int randInt, Map<String, Provenance> runProvenance,
                int invocationCount) {
            check(options, started);
            return super.trainSingleModel(examples, featureIDs, labelIDs, randInt, runProvenance, invocationCount);
        }

        @Override
        public int membersStarted() {
            return started.get();
        }

        /** Tribuo's own trainer's provenance (its class and configuration), so a model's provenance is unchanged. */
        @Override
        public TrainerProvenance getProvenance() {
            var twin = new RandomForestTrainer<>((DecisionTreeTrainer<T>) innerTrainer, combiner, numMembers, seed);
            twin.setInvocationCount(getInvocationCount());
            return twin.getProvenance();
        }
    }

    static final class Bagging<T extends Output<T>> extends BaggingTrainer<T> implements Counted {
        private final transient SearchOptions options;
        private final transient AtomicInteger started = new AtomicInteger();

        Bagging(Trainer<T> tree, EnsembleCombiner<T> combiner, int trees, long seed, SearchOptions options) {
            super(tree, combiner, trees, seed);
            this.options = options;
        }

        @Override
        protected Model<T> trainSingleModel(Dataset<T> examples, ImmutableFeatureMap featureIDs,
                ImmutableOutputInfo<T> labelIDs, int randInt, Map<String, Provenance> runProvenance,
                int invocationCount) {
            check(options, started);
            return super.trainSingleModel(examples, featureIDs, labelIDs, randInt, runProvenance, invocationCount);
        }

        @Override
        public int membersStarted() {
            return started.get();
        }

        /** Tribuo's own trainer's provenance (its class and configuration), so a model's provenance is unchanged. */
        @Override
        public TrainerProvenance getProvenance() {
            var twin = new BaggingTrainer<>(innerTrainer, combiner, numMembers, seed);
            twin.setInvocationCount(getInvocationCount());
            return twin.getProvenance();
        }
    }
}
