package dev.mlapi.classify;

import dev.mlapi.classify.ClassifyResult.Prediction;
import java.util.ArrayList;
import java.util.List;

/** The {@code k} most probable classes, best first, labelled from the manifest. */
final class Ranking {

    private Ranking() {
    }

    static List<Prediction> top(float[] probabilities, int k, List<String> labels) {
        int n = Math.min(k, probabilities.length);
        List<Integer> best = new ArrayList<>(n + 1);
        for (int i = 0; i < probabilities.length; i++) {
            if (best.size() == n && probabilities[i] <= probabilities[best.get(n - 1)]) {
                continue;
            }
            int at = best.size();
            while (at > 0 && probabilities[best.get(at - 1)] < probabilities[i]) {
                at--;
            }
            best.add(at, i);
            if (best.size() > n) {
                best.remove(n);
            }
        }
        List<Prediction> predictions = new ArrayList<>(n);
        for (int classId : best) {
            String label = classId < labels.size() ? labels.get(classId) : String.valueOf(classId);
            // Float.toString keeps the float's own digits instead of widening noise (0.84 not 0.8399999737739563).
            predictions.add(new Prediction(classId, label, Double.parseDouble(Float.toString(probabilities[classId]))));
        }
        return predictions;
    }
}
