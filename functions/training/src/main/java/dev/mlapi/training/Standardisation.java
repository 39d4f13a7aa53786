package dev.mlapi.training;

import org.tribuo.transform.TransformStatistics;
import org.tribuo.transform.Transformation;
import org.tribuo.transform.TransformationProvenance;
import org.tribuo.transform.Transformer;
import org.tribuo.transform.transformations.MeanStdDevTransformation;
import org.tribuo.transform.transformations.SimpleTransform;

/**
 * Tribuo's {@link MeanStdDevTransformation} (mean 0, standard deviation 1), except that a column
 * with a single value becomes 0, as scikit-learn's {@code StandardScaler} does, instead of
 * {@code 0 / 0}: Tribuo's own divides by the zero deviation and the trainer then refuses the
 * NaN features, so one constant column failed every linear fit. The transformation stays
 * affine, so {@link LinearOnnxExporter} folds it into the weights either way.
 */
final class Standardisation implements Transformation {

    private final MeanStdDevTransformation standard = new MeanStdDevTransformation();

    @Override
    public TransformStatistics createStats() {
        return new Statistics(standard.createStats());
    }

    @Override
    public TransformationProvenance getProvenance() {
        return standard.getProvenance();
    }

    @Override
    public String toString() {
        return "Standardisation(mean=0, stddev=1, constant columns to 0)";
    }

    /** Tribuo's statistics, plus the smallest and largest value seen (an implicit zero counts as 0). */
    private static final class Statistics implements TransformStatistics {
        private final TransformStatistics standard;
        private double min = Double.POSITIVE_INFINITY;
        private double max = Double.NEGATIVE_INFINITY;

        Statistics(TransformStatistics standard) {
            this.standard = standard;
        }

        @Override
        public void observeValue(double value) {
            standard.observeValue(value);
            min = Math.min(min, value);
            max = Math.max(max, value);
        }

        @Override
        public void observeSparse() {
            observeSparse(1);
        }

        @Override
        public void observeSparse(int count) {
            standard.observeSparse(count);
            if (count > 0) {
                min = Math.min(min, 0);
                max = Math.max(max, 0);
            }
        }

        @Override
        public Transformer generateTransformer() {
            return min == max ? SimpleTransform.sub(min) : standard.generateTransformer();
        }
    }
}
