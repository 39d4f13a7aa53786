package dev.mlapi.training;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.Tensor;

/**
 * AdaGrad with an L2 penalty on a linear model's weights but not on its bias (the last column),
 * as scikit-learn penalises them: each step adds {@code -l2 · w} to the loss gradient of one
 * example. With {@code l2 = 1 / (C · n)} (logistic regression) or {@code alpha / n} (ridge) the
 * stochastic objective is scikit-learn's divided by {@code n}. Tribuo's own regularised optimisers
 * do not fit: {@code AdaGradRDA} never applies its L2 term to matrices, and {@code Pegasos}
 * copies itself with its arguments swapped.
 */
public final class L2AdaGrad implements StochasticGradientOptimiser {

    @Config(mandatory = true, description = "Initial learning rate used to scale the gradients.")
    private double initialLearningRate;

    @Config(description = "Epsilon for numerical stability around zero.")
    private double epsilon = 0.1;

    @Config(description = "L2 penalty per example on the weights (not the bias).")
    private double l2;

    private Parameters parameters;
    private double[][][] squares;

    public L2AdaGrad(double initialLearningRate, double epsilon, double l2) {
        this.initialLearningRate = initialLearningRate;
        this.epsilon = epsilon;
        this.l2 = l2;
    }

    /** For OLCUT. */
    @SuppressWarnings("unused")
    private L2AdaGrad() {
    }

    @Override
    public void initialise(Parameters parameters) {
        this.parameters = parameters;
        Tensor[] current = parameters.get();
        squares = new double[current.length][][];
        for (int i = 0; i < current.length; i++) {
            if (!(current[i] instanceof DenseMatrix m)) {
                throw new IllegalStateException("L2AdaGrad optimises the weight matrix of a linear model, not "
                        + current[i].getClass().getSimpleName());
            }
            squares[i] = new double[m.getDimension1Size()][m.getDimension2Size()];
        }
    }

    @Override
    public Tensor[] step(Tensor[] updates, double weight) {
        Tensor[] weights = parameters.get();
        Tensor[] steps = new Tensor[updates.length];
        for (int i = 0; i < updates.length; i++) {
            DenseMatrix w = (DenseMatrix) weights[i];
            DenseMatrix g = new DenseMatrix((Matrix) updates[i]);
            int bias = g.getDimension2Size() - 1;
            for (int r = 0; r < g.getDimension1Size(); r++) {
                for (int c = 0; c < g.getDimension2Size(); c++) {
                    double gradient = g.get(r, c) * weight - (c < bias ? l2 * w.get(r, c) : 0);
                    squares[i][r][c] += gradient * gradient;
                    g.set(r, c, gradient * initialLearningRate / (epsilon + Math.sqrt(squares[i][r][c])));
                }
            }
            steps[i] = g;
        }
        return steps;
    }

    @Override
    public void reset() {
        parameters = null;
        squares = null;
    }

    @Override
    public L2AdaGrad copy() {
        return new L2AdaGrad(initialLearningRate, epsilon, l2);
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
    }

    @Override
    public String toString() {
        return "L2AdaGrad(initialLearningRate=" + initialLearningRate + ",epsilon=" + epsilon + ",l2=" + l2 + ")";
    }
}
