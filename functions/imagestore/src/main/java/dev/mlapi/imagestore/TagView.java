package dev.mlapi.imagestore;

/** A tag as the API shows it: name, how many images carry it, who created it and when. */
public record TagView(String name, long imageCount, String createdAt, String createdBy) {

    static TagView of(Tag tag) {
        return new TagView(tag.name(), tag.imageCount(), tag.createdAt().toString(), tag.createdBy());
    }
}
