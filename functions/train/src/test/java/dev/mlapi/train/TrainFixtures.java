package dev.mlapi.train;

import java.util.Locale;
import java.util.Random;

/** Datasets for the train function's tests. */
final class TrainFixtures {

    /** 18 iris rows, six per species: three stratified folds of two per class. */
    static final String SMALL_IRIS = """
            sepal_length,sepal_width,petal_length,petal_width,species
            5.1,3.5,1.4,0.2,setosa
            4.9,3.0,1.4,0.2,setosa
            4.7,3.2,1.3,0.2,setosa
            4.6,3.1,1.5,0.2,setosa
            5.0,3.6,1.4,0.2,setosa
            5.4,3.9,1.7,0.4,setosa
            7.0,3.2,4.7,1.4,versicolor
            6.4,3.2,4.5,1.5,versicolor
            6.9,3.1,4.9,1.5,versicolor
            5.5,2.3,4.0,1.3,versicolor
            6.5,2.8,4.6,1.5,versicolor
            5.7,2.8,4.5,1.3,versicolor
            6.3,3.3,6.0,2.5,virginica
            5.8,2.7,5.1,1.9,virginica
            7.1,3.0,5.9,2.1,virginica
            6.3,2.9,5.6,1.8,virginica
            6.5,3.0,5.8,2.2,virginica
            7.6,3.0,6.6,2.1,virginica
            """;

    private TrainFixtures() {
    }

    /** A noisy two-class problem big enough that a forest grid takes seconds, not milliseconds. */
    static String largeCsv(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f,label\n");
        for (int i = 0; i < rows; i++) {
            double[] x = new double[6];
            for (int j = 0; j < x.length; j++) {
                x[j] = random.nextGaussian();
            }
            boolean positive = x[0] + 0.5 * x[1] * x[2] - x[3] + 0.8 * random.nextGaussian() > 0;
            for (double v : x) {
                csv.append(String.format(Locale.ROOT, "%.4f,", v));
            }
            csv.append(positive ? "yes" : "no").append('\n');
        }
        return csv.toString();
    }
}
