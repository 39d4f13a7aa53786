package dev.mlapi.classify;

import dev.mlapi.classify.ClassifyRequest.Upload;
import dev.mlapi.classify.ClassifyResult.Prediction;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.requestlog.RequestLogFields;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageView;
import dev.mlapi.imagestore.StoredImage;
import dev.mlapi.imagestore.SuggestedTag;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /images/{id}/classify}: classifies a stored image of the library with the default or
 * a chosen model and keeps the labels at or above a probability threshold as the image's
 * {@code suggested_tags}; with {@code apply=true} they also become its tags (created when new).
 */
final class ImageTagSuggestions {

    static final double DEFAULT_THRESHOLD = 0.2;
    static final int DEFAULT_TOP_K = 5;

    private final ClassifyService classifier;
    private final ImageLibrary library;

    ImageTagSuggestions(ClassifyService classifier, ImageLibrary library) {
        this.classifier = classifier;
        this.library = library;
    }

    /** Reads {@code model}, {@code top_k}, {@code threshold} and {@code apply} from the query string. */
    ImageView suggest(ApiRequest request) {
        Principal caller = request.requirePrincipal();
        double threshold = threshold(request.query("threshold"));
        boolean apply = flag("apply", request.query("apply"));
        int topK = request.queryInt("top_k", DEFAULT_TOP_K, 1, ClassifyRequest.MAX_TOP_K);
        return suggest(caller, request.pathParameter("id"), request.query("model"), topK, threshold, apply,
                request.logFields());
    }

    /**
     * Classifies the caller's image {@code id} and stores the labels at or above {@code threshold}
     * as its suggested tags (with {@code apply}, linked as its tags too: a tag it has already is
     * not linked again). 404 when the image does not exist (or is not the caller's).
     */
    ImageView suggest(Principal caller, String id, Optional<String> model, int topK, double threshold, boolean apply,
            RequestLogFields log) {
        StoredImage image = library.readable(caller, id);
        ClassifyResult result = classifier.classify(new ClassifyRequest(new Upload(library.bytes(image)), model, topK),
                log);
        List<SuggestedTag> suggestions = result.predictions().stream()
                .filter(p -> p.probability() >= threshold)
                .map(ImageTagSuggestions::suggestion).toList();
        return library.suggest(caller, image.id(), suggestions, apply);
    }

    private static SuggestedTag suggestion(Prediction prediction) {
        return new SuggestedTag(prediction.label(), Math.round(prediction.probability() * 1e4) / 1e4);
    }

    private static double threshold(Optional<String> raw) {
        if (raw.isEmpty()) {
            return DEFAULT_THRESHOLD;
        }
        try {
            double value = Double.parseDouble(raw.get());
            if (value >= 0 && value <= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw InvalidInput.field("threshold", "must be a number between 0 and 1");
    }

    private static boolean flag(String name, Optional<String> raw) {
        return switch (raw.orElse("false")) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw InvalidInput.field(name, "must be true or false");
        };
    }
}
