package dev.mlapi.training;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Our CART learner (issue 23): exact best splits as scikit-learn finds them, on features sorted
 * once per fit. Each tree filters the fit's sorted row orders to its own rows (a bootstrap
 * sample's rows with their counts as weights); a node is one range of every feature's order, and
 * a split partitions those ranges stably, so no node sorts anything. Criteria: Gini, entropy
 * (classification) and squared error (regression), each scanned in one pass per feature with the
 * children's statistics updated per row; absolute error (regression: a leaf predicts the weighted
 * median, scikit-learn's {@code MAE} criterion) ranks the node's targets once and finds every
 * prefix's and suffix's median and absolute error with a Fenwick tree of weights and weighted
 * targets, as scikit-learn 1.9 does ({@link Fenwick}).
 *
 * <p>scikit-learn's rules: a node splits when it is below {@code maxDepth}, holds at least two
 * rows and twice {@code minLeaf} rows (counted, not weighed) and is impure; the threshold is the
 * midpoint between two neighbouring distinct values ({@code x <= t} goes left); each node draws
 * features at random without replacement until {@code maxFeatures} non-constant ones have been
 * tried (all of them, in a random order, for a single tree), keeping the first best.
 */
final class Cart {

    enum Criterion { GINI, ENTROPY, SQUARED_ERROR, ABSOLUTE_ERROR }

    /** The parameters of one tree; {@code maxFeatures} features are tried per node. */
    record Params(int maxDepth, int minLeaf, int maxFeatures, Criterion criterion) {
        boolean regression() {
            return criterion == Criterion.SQUARED_ERROR || criterion == Criterion.ABSOLUTE_ERROR;
        }
    }

    /**
     * A fit's rows by column ({@code x[f][row]}), their targets (class ids or values), example
     * weights, and every feature's rows sorted by value (computed once, shared by the trees).
     */
    static final class Data {
        final double[][] x;
        final int rows;
        final int features;
        final int[] classes;
        final int classCount;
        final double[] y;
        final double[] weights;
        final int[][] order;

        Data(double[][] x, int rows, int[] classes, int classCount, double[] y, double[] weights) {
            this.x = x;
            this.rows = rows;
            this.features = x.length;
            this.classes = classes;
            this.classCount = classCount;
            this.y = y;
            this.weights = weights;
            this.order = new int[features][];
            for (int f = 0; f < features; f++) {
                order[f] = argsort(x[f], rows);
            }
        }
    }

    /**
     * A grown tree as parallel arrays; node 0 is the root, children have larger ids than their
     * parent. {@code feature[n] < 0} marks a leaf. {@code value} holds, per node, the class
     * probabilities ({@code classCount} per node) or the mean target (one per node; the median for
     * absolute error).
     */
    static final class Tree {
        final int[] feature;
        final double[] threshold;
        final int[] left;
        final int[] right;
        final double[] impurity;
        final double[] value;
        final int width;

        Tree(int[] feature, double[] threshold, int[] left, int[] right, double[] impurity, double[] value, int width) {
            this.feature = feature;
            this.threshold = threshold;
            this.left = left;
            this.right = right;
            this.impurity = impurity;
            this.value = value;
            this.width = width;
        }

        int nodes() {
            return feature.length;
        }

        /** The leaf {@code row} falls in; {@code row} indexed as the fit's columns. */
        int leaf(double[] row) {
            int n = 0;
            while (feature[n] >= 0) {
                n = row[feature[n]] <= threshold[n] ? left[n] : right[n];
            }
            return n;
        }

        int depth() {
            int[] depth = new int[nodes()];
            int max = 0;
            for (int n = 0; n < nodes(); n++) {
                max = Math.max(max, depth[n]);
                if (feature[n] >= 0) {
                    depth[left[n]] = depth[n] + 1;
                    depth[right[n]] = depth[n] + 1;
                }
            }
            return max;
        }
    }

    private Cart() {
    }

    /**
     * Grows one tree on the rows with a positive {@code counts} entry (every row when null), each
     * weighted by its example weight times its count; {@code random} draws the features per node.
     */
    static Tree grow(Data d, Params p, int[] counts, SplittableRandom random) {
        return new Grower(d, p, counts, null, random).grow();
    }

    /** As {@link #grow(Data, Params, int[], SplittableRandom)}, each row weighted by {@code weights} instead of the data's. */
    static Tree grow(Data d, Params p, int[] counts, double[] weights, SplittableRandom random) {
        return new Grower(d, p, counts, weights, random).grow();
    }

    private static final class Grower {
        private final Data d;
        private final Params p;
        private final SplittableRandom random;
        private final double[] sw;
        private final int[][] idx;
        private final boolean[] goesLeft;
        private final int[] buffer;
        private final int[] featureOrder;
        private final int k;
        private final double[] total;
        private final double[] leftCounts;
        // absolute error: the node's targets ranked, each prefix's and suffix's absolute error
        private final boolean absolute;
        private final int[] rank;
        private final double[] sortedY;
        private final int[] byY;
        private final double[] leftErrors;
        private final double[] rightErrors;
        private final Fenwick fenwick;
        // the tree being built
        private int[] feature = new int[64];
        private double[] threshold = new double[64];
        private int[] left = new int[64];
        private int[] right = new int[64];
        private double[] impurity = new double[64];
        private double[] value;
        private int nodes;

        Grower(Data d, Params p, int[] counts, double[] weights, SplittableRandom random) {
            this.d = d;
            this.p = p;
            this.random = random;
            int width = p.regression() ? 1 : d.classCount;
            this.value = new double[64 * width];
            this.sw = new double[d.rows];
            int active = 0;
            for (int r = 0; r < d.rows; r++) {
                int c = counts == null ? 1 : counts[r];
                sw[r] = c == 0 ? 0 : c * (weights != null ? weights[r] : d.weights[r]);
                if (c > 0) {
                    active++;
                }
            }
            this.idx = new int[d.features][];
            for (int f = 0; f < d.features; f++) {
                int[] sorted = d.order[f];
                if (counts == null) {
                    idx[f] = sorted.clone();
                } else {
                    int[] mine = new int[active];
                    int j = 0;
                    for (int r : sorted) {
                        if (counts[r] > 0) {
                            mine[j++] = r;
                        }
                    }
                    idx[f] = mine;
                }
            }
            this.goesLeft = new boolean[d.rows];
            this.buffer = new int[active];
            this.featureOrder = new int[d.features];
            this.k = Math.max(1, Math.min(p.maxFeatures(), d.features));
            this.total = new double[Math.max(1, d.classCount)];
            this.leftCounts = new double[Math.max(1, d.classCount)];
            this.absolute = p.criterion() == Criterion.ABSOLUTE_ERROR;
            this.rank = absolute ? new int[d.rows] : null;
            this.sortedY = absolute ? new double[active] : null;
            this.byY = absolute ? new int[active] : null;
            this.leftErrors = absolute ? new double[active] : null;
            this.rightErrors = absolute ? new double[active] : null;
            this.fenwick = absolute ? new Fenwick(active) : null;
        }

        Tree grow() {
            int rows = idx.length == 0 ? 0 : idx[0].length;
            // pending nodes: id, lo, hi, depth, the feature whose order holds the node's rows contiguously
            int[] stack = new int[5 * 64];
            int top = 0;
            int root = newNode();
            stack = push(stack, top, root, 0, rows, 0, 0);
            top += 5;
            while (top > 0) {
                top -= 5;
                int id = stack[top];
                int lo = stack[top + 1];
                int hi = stack[top + 2];
                int depth = stack[top + 3];
                int statFeature = stack[top + 4];
                int[] children = node(id, lo, hi, depth, statFeature);
                if (children != null) {
                    // children[0..1]: ids; children[2]: split position; children[3]: the split feature
                    stack = push(stack, top, children[1], children[2], hi, depth + 1, children[3]);
                    top += 5;
                    stack = push(stack, top, children[0], lo, children[2], depth + 1, children[3]);
                    top += 5;
                }
            }
            int width = p.regression() ? 1 : d.classCount;
            return new Tree(Arrays.copyOf(feature, nodes), Arrays.copyOf(threshold, nodes), Arrays.copyOf(left, nodes),
                    Arrays.copyOf(right, nodes), Arrays.copyOf(impurity, nodes), Arrays.copyOf(value, nodes * width),
                    width);
        }

        private static int[] push(int[] stack, int top, int a, int b, int c, int e, int f) {
            if (top + 5 > stack.length) {
                stack = Arrays.copyOf(stack, stack.length * 2);
            }
            stack[top] = a;
            stack[top + 1] = b;
            stack[top + 2] = c;
            stack[top + 3] = e;
            stack[top + 4] = f;
            return stack;
        }

        private int newNode() {
            if (nodes == feature.length) {
                int size = nodes * 2;
                feature = Arrays.copyOf(feature, size);
                threshold = Arrays.copyOf(threshold, size);
                left = Arrays.copyOf(left, size);
                right = Arrays.copyOf(right, size);
                impurity = Arrays.copyOf(impurity, size);
                value = Arrays.copyOf(value, size * (p.regression() ? 1 : d.classCount));
            }
            feature[nodes] = -1;
            return nodes++;
        }

        /** Fills node {@code id}; returns its children's ids, split position and feature, or null for a leaf. */
        private int[] node(int id, int lo, int hi, int depth, int statFeature) {
            int count = hi - lo;
            int[] rows = idx[statFeature];
            double weight = 0;
            double nodeImpurity;
            if (absolute) {
                for (int j = lo; j < hi; j++) {
                    weight += sw[rows[j]];
                }
                rankTargets(rows, lo, hi);
                // the median and absolute error of every row: the last of a backward pass, as scikit-learn
                fenwick.reset(count);
                double errors = 0;
                for (int j = hi - 1; j >= lo; j--) {
                    int r = rows[j];
                    errors = fenwick.addAndError(rank[r], sortedY, sw[r]);
                }
                value[id] = fenwick.median;
                nodeImpurity = weight > 0 ? errors / weight : 0;
            } else if (p.regression()) {
                double sum = 0;
                double squares = 0;
                for (int j = lo; j < hi; j++) {
                    int r = rows[j];
                    double w = sw[r];
                    double y = d.y[r];
                    weight += w;
                    sum += w * y;
                    squares += w * y * y;
                }
                double mean = weight > 0 ? sum / weight : 0;
                value[id] = mean;
                nodeImpurity = weight > 0 ? Math.max(0, squares / weight - mean * mean) : 0;
                total[0] = sum;
            } else {
                Arrays.fill(total, 0);
                for (int j = lo; j < hi; j++) {
                    int r = rows[j];
                    total[d.classes[r]] += sw[r];
                }
                int width = d.classCount;
                for (int c = 0; c < width; c++) {
                    weight += total[c];
                }
                double gini = 1;
                double entropy = 0;
                for (int c = 0; c < width; c++) {
                    double share = weight > 0 ? total[c] / weight : 0;
                    value[id * width + c] = share;
                    gini -= share * share;
                    if (share > 0) {
                        entropy -= share * Math.log(share);
                    }
                }
                nodeImpurity = p.criterion() == Criterion.ENTROPY ? entropy : gini;
            }
            impurity[id] = nodeImpurity;
            if (depth >= p.maxDepth() || count < 2 || count < 2 * p.minLeaf() || nodeImpurity <= 1e-7 || weight <= 0) {
                return null;
            }
            // draw features until k non-constant ones were tried
            for (int f = 0; f < d.features; f++) {
                featureOrder[f] = f;
            }
            double best = Double.NEGATIVE_INFINITY;
            int bestFeature = -1;
            int bestPosition = -1;
            double bestThreshold = 0;
            int tried = 0;
            for (int j = 0; j < d.features && tried < k; j++) {
                int pick = j + random.nextInt(d.features - j);
                int f = featureOrder[pick];
                featureOrder[pick] = featureOrder[j];
                featureOrder[j] = f;
                double[] x = d.x[f];
                int[] sorted = idx[f];
                if (x[sorted[lo]] >= x[sorted[hi - 1]]) {
                    continue; // constant here: not counted
                }
                tried++;
                long found = absolute ? scanAbsoluteError(f, lo, hi, weight)
                        : p.regression() ? scanSquaredError(f, lo, hi, weight) : scanClasses(f, lo, hi, weight);
                if (found >= 0 && scanScore > best) {
                    best = scanScore;
                    bestFeature = f;
                    bestPosition = (int) found;
                }
            }
            if (bestFeature < 0) {
                return null;
            }
            double[] x = d.x[bestFeature];
            int[] sorted = idx[bestFeature];
            double a = x[sorted[bestPosition - 1]];
            double b = x[sorted[bestPosition]];
            bestThreshold = a / 2.0 + b / 2.0;
            if (bestThreshold >= b || Double.isInfinite(bestThreshold) || Double.isNaN(bestThreshold)) {
                bestThreshold = a;
            }
            int leftCount = bestPosition - lo;
            int rightCount = hi - bestPosition;
            boolean leftGrows = depth + 1 < p.maxDepth() && leftCount >= 2 && leftCount >= 2 * p.minLeaf();
            boolean rightGrows = depth + 1 < p.maxDepth() && rightCount >= 2 && rightCount >= 2 * p.minLeaf();
            if (leftGrows || rightGrows) {
                for (int j = lo; j < hi; j++) {
                    goesLeft[sorted[j]] = j < bestPosition;
                }
                for (int f = 0; f < d.features; f++) {
                    if (f != bestFeature) {
                        partition(idx[f], lo, hi);
                    }
                }
            }
            int l = newNode();
            int r = newNode();
            feature[id] = bestFeature;
            threshold[id] = bestThreshold;
            left[id] = l;
            right[id] = r;
            return new int[] {l, r, bestPosition, bestFeature};
        }

        private void partition(int[] rows, int lo, int hi) {
            int l = lo;
            int b = 0;
            for (int j = lo; j < hi; j++) {
                int r = rows[j];
                if (goesLeft[r]) {
                    rows[l++] = r;
                } else {
                    buffer[b++] = r;
                }
            }
            System.arraycopy(buffer, 0, rows, l, b);
        }

        /** The last scan's best score (larger is better). */
        private double scanScore;

        /** The best split position of feature {@code f} in the node (first row of the right child), or -1. */
        private long scanClasses(int f, int lo, int hi, double weight) {
            double[] x = d.x[f];
            int[] rows = idx[f];
            int[] classes = d.classes;
            boolean entropy = p.criterion() == Criterion.ENTROPY;
            double[] l = leftCounts;
            Arrays.fill(l, 0);
            double leftWeight = 0;
            double leftSquares = 0;
            double rightSquares = 0;
            double leftLogs = 0;
            double rightLogs = 0;
            for (int c = 0; c < d.classCount; c++) {
                rightSquares += total[c] * total[c];
                rightLogs += xlogx(total[c]);
            }
            int minLeaf = p.minLeaf();
            int count = hi - lo;
            double best = Double.NEGATIVE_INFINITY;
            long position = -1;
            double next = x[rows[lo]];
            for (int j = lo; j < hi - 1; j++) {
                int r = rows[j];
                int c = classes[r];
                double w = sw[r];
                double before = l[c];
                double after = before + w;
                double rightBefore = total[c] - before;
                double rightAfter = total[c] - after;
                l[c] = after;
                leftWeight += w;
                if (entropy) {
                    leftLogs += xlogx(after) - xlogx(before);
                    rightLogs += xlogx(rightAfter) - xlogx(rightBefore);
                } else {
                    leftSquares += after * after - before * before;
                    rightSquares += rightAfter * rightAfter - rightBefore * rightBefore;
                }
                double v = next;
                next = x[rows[j + 1]];
                if (next <= v) {
                    continue;
                }
                int n = j + 1 - lo;
                if (n < minLeaf) {
                    continue;
                }
                if (count - n < minLeaf) {
                    break;
                }
                double rightWeight = weight - leftWeight;
                if (leftWeight <= 0 || rightWeight <= 0) {
                    continue;
                }
                double score = entropy
                        ? (leftLogs - xlogx(leftWeight)) + (rightLogs - xlogx(rightWeight))
                        : leftSquares / leftWeight + rightSquares / rightWeight;
                if (score > best) {
                    best = score;
                    position = j + 1;
                }
            }
            scanScore = best;
            return position;
        }

        private long scanSquaredError(int f, int lo, int hi, double weight) {
            double[] x = d.x[f];
            int[] rows = idx[f];
            double[] y = d.y;
            double sum = total[0];
            double leftSum = 0;
            double leftWeight = 0;
            int minLeaf = p.minLeaf();
            int count = hi - lo;
            double best = Double.NEGATIVE_INFINITY;
            long position = -1;
            double next = x[rows[lo]];
            for (int j = lo; j < hi - 1; j++) {
                int r = rows[j];
                double w = sw[r];
                leftSum += w * y[r];
                leftWeight += w;
                double v = next;
                next = x[rows[j + 1]];
                if (next <= v) {
                    continue;
                }
                int n = j + 1 - lo;
                if (n < minLeaf) {
                    continue;
                }
                if (count - n < minLeaf) {
                    break;
                }
                double rightWeight = weight - leftWeight;
                if (leftWeight <= 0 || rightWeight <= 0) {
                    continue;
                }
                double rightSum = sum - leftSum;
                double score = leftSum * leftSum / leftWeight + rightSum * rightSum / rightWeight;
                if (score > best) {
                    best = score;
                    position = j + 1;
                }
            }
            scanScore = best;
            return position;
        }

        /**
         * Ranks the node's targets: {@code sortedY[0..n)} ascending and {@code rank[r]} each row's
         * place in it (equal targets in any order: their medians and errors are the same).
         */
        private void rankTargets(int[] rows, int lo, int hi) {
            int n = hi - lo;
            for (int j = 0; j < n; j++) {
                byY[j] = rows[lo + j];
                sortedY[j] = d.y[byY[j]];
            }
            sort(sortedY, byY, 0, n - 1);
            for (int k = 0; k < n; k++) {
                rank[byY[k]] = k;
            }
        }

        /**
         * As {@link #scanSquaredError}, for absolute error: every prefix's and every suffix's
         * absolute error about its weighted median (forward and backward passes over the feature's
         * order), then scikit-learn's proxy {@code -wR·(eR/wR) - wL·(eL/wL)} at each threshold.
         */
        private long scanAbsoluteError(int f, int lo, int hi, double weight) {
            double[] x = d.x[f];
            int[] rows = idx[f];
            int count = hi - lo;
            fenwick.reset(count);
            for (int j = lo; j < hi; j++) {
                int r = rows[j];
                leftErrors[j - lo] = fenwick.addAndError(rank[r], sortedY, sw[r]);
            }
            fenwick.reset(count);
            for (int j = hi - 1; j >= lo; j--) {
                int r = rows[j];
                rightErrors[j - lo] = fenwick.addAndError(rank[r], sortedY, sw[r]);
            }
            double leftWeight = 0;
            int minLeaf = p.minLeaf();
            double best = Double.NEGATIVE_INFINITY;
            long position = -1;
            double next = x[rows[lo]];
            for (int j = lo; j < hi - 1; j++) {
                leftWeight += sw[rows[j]];
                double v = next;
                next = x[rows[j + 1]];
                if (next <= v) {
                    continue;
                }
                int n = j + 1 - lo;
                if (n < minLeaf) {
                    continue;
                }
                if (count - n < minLeaf) {
                    break;
                }
                double rightWeight = weight - leftWeight;
                if (leftWeight <= 0 || rightWeight <= 0) {
                    continue;
                }
                double score = -rightWeight * (rightErrors[j + 1 - lo] / rightWeight)
                        - leftWeight * (leftErrors[j - lo] / leftWeight);
                if (score > best) {
                    best = score;
                    position = j + 1;
                }
            }
            scanScore = best;
            return position;
        }

        private static double xlogx(double v) {
            return v > 0 ? v * Math.log(v) : 0;
        }
    }

    /**
     * scikit-learn's {@code WeightedFenwickTree} (sklearn/tree/_utils.pyx, 1.9): prefix sums of
     * weights and of weight × target over targets' ranks, and the search for the weighted median:
     * the smallest added rank whose cumulative weight exceeds half the total, or the midpoint of two
     * neighbouring added ranks when the cumulative weight meets half exactly between them. Ported
     * step by step, so the medians, and the errors up to the order of additions, are its own.
     */
    static final class Fenwick {
        private final double[] w;
        private final double[] wy;
        private int size;
        private int maxPow2;
        private double totalW;
        private double totalWy;
        // the last search's prefix below the median rank, and the rank before it
        private double cumW;
        private double cumWy;
        private int prev;
        /** The median after the last {@link #addAndError}. */
        double median;

        Fenwick(int capacity) {
            w = new double[capacity + 1];
            wy = new double[capacity + 1];
        }

        void reset(int n) {
            size = n;
            Arrays.fill(w, 0, n + 1, 0.0);
            Arrays.fill(wy, 0, n + 1, 0.0);
            totalW = 0;
            totalWy = 0;
            int p = 1;
            while (p <= n) {
                p <<= 1;
            }
            maxPow2 = p >> 1;
        }

        void add(int rank, double y, double weight) {
            double weighted = weight * y;
            for (int i = rank + 1; i <= size; i += i & -i) {
                w[i] += weight;
                wy[i] += weighted;
            }
            totalW += weight;
            totalWy += weighted;
        }

        /**
         * Adds the row of rank {@code rank} (target {@code sortedY[rank]}), then returns the absolute
         * error of every row added about their weighted median ({@link #median}).
         */
        double addAndError(int rank, double[] sortedY, double weight) {
            add(rank, sortedY[rank], weight);
            int m = search(0.5 * totalW);
            median = m != prev ? (sortedY[prev] + sortedY[m]) / 2 : sortedY[m];
            double wRight = totalW - cumW;
            double wyRight = totalWy - cumWy;
            return (wyRight - median * wRight) + (median * cumW - cumWy);
        }

        /** The rank where the cumulative weight reaches {@code target}; sets the prefix before it and {@link #prev}. */
        int search(double target) {
            int current = 0;
            double cw = 0;
            double cwy = 0;
            int bit = maxPow2;
            boolean equal = false;
            double equalTarget = 0;
            int equalBit = 0;
            while (bit != 0) {
                int next = current + bit;
                if (next <= size) {
                    double node = w[next];
                    if (target == node) {
                        equalTarget = target;
                        equalBit = bit;
                        equal = true;
                        break;
                    } else if (target > node) {
                        target -= node;
                        current = next;
                        cw += node;
                        cwy += wy[next];
                    }
                }
                bit >>= 1;
            }
            if (!equal) {
                cumW = cw;
                cumWy = cwy;
                prev = current;
                return current;
            }
            // the cumulative weight meets the target exactly: the largest rank below it ...
            int below = current;
            while (bit != 0) {
                int next = below + bit;
                if (next <= size) {
                    double node = w[next];
                    if (target > node) {
                        target -= node;
                        below = next;
                    }
                }
                bit >>= 1;
            }
            // ... and the first rank past it
            bit = equalBit;
            target = equalTarget;
            while (bit != 0) {
                int next = current + bit;
                if (next <= size) {
                    double node = w[next];
                    if (target >= node) {
                        target -= node;
                        current = next;
                        cw += node;
                        cwy += wy[next];
                    }
                }
                bit >>= 1;
            }
            cumW = cw;
            cumWy = cwy;
            prev = below;
            return current;
        }
    }

    /** Row indices {@code 0..rows-1} sorted by {@code values}. */
    static int[] argsort(double[] values, int rows) {
        int[] index = new int[rows];
        double[] keys = new double[rows];
        for (int i = 0; i < rows; i++) {
            index[i] = i;
            keys[i] = values[i];
        }
        sort(keys, index, 0, rows - 1);
        return index;
    }

    /** Sorts {@code keys[lo..hi]} ascending, moving {@code index} alongside (quicksort, median of three). */
    private static void sort(double[] keys, int[] index, int lo, int hi) {
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < keys[lo]) {
                swap(keys, index, mid, lo);
            }
            if (keys[hi] < keys[lo]) {
                swap(keys, index, hi, lo);
            }
            if (keys[hi] < keys[mid]) {
                swap(keys, index, hi, mid);
            }
            double pivot = keys[mid];
            // three-way partition: < pivot | == pivot | > pivot
            int lt = lo;
            int gt = hi;
            int i = lo;
            while (i <= gt) {
                double k = keys[i];
                if (k < pivot) {
                    swap(keys, index, lt++, i++);
                } else if (k > pivot) {
                    swap(keys, index, i, gt--);
                } else {
                    i++;
                }
            }
            if (lt - lo < hi - gt) {
                sort(keys, index, lo, lt - 1);
                lo = gt + 1;
            } else {
                sort(keys, index, gt + 1, hi);
                hi = lt - 1;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            double k = keys[i];
            int v = index[i];
            int j = i - 1;
            while (j >= lo && keys[j] > k) {
                keys[j + 1] = keys[j];
                index[j + 1] = index[j];
                j--;
            }
            keys[j + 1] = k;
            index[j + 1] = v;
        }
    }

    private static void swap(double[] keys, int[] index, int a, int b) {
        double k = keys[a];
        keys[a] = keys[b];
        keys[b] = k;
        int v = index[a];
        index[a] = index[b];
        index[b] = v;
    }
}
