package dev.mlapi.imagestore;

import java.util.List;
import java.util.Optional;

/** One page of images, newest first, and the cursor of the next page (absent on the last). */
public record ImageList(List<ImageView> items, Optional<String> nextCursor) {
}
