package dev.mlapi.train;

import dev.mlapi.training.SearchPlan;

/**
 * One fit of a job as its unit item records it: candidate and fold, the fold's score, the fit's
 * seconds, this fit's share of its task's overhead (queue, dataset, parse), and the worker that ran it.
 */
record FitRecord(int candidate, int fold, double score, double seconds, double overheadSeconds, String worker) {

    static FitRecord of(SearchPlan.FitResult result, double overheadSeconds, String worker) {
        return new FitRecord(result.candidate(), result.fold(), result.score(), result.seconds(), overheadSeconds,
                worker);
    }

    SearchPlan.FitResult result() {
        return new SearchPlan.FitResult(candidate, fold, score, seconds);
    }
}
