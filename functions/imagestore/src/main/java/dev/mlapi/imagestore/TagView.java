package dev.mlapi.imagestore;

/**
 * A tag as the API shows it: name, how many images carry it, who created it and when. A user
 * sees the count of their own images and the creator only when it is them; admins see all.
 */
public record TagView(String name, long imageCount, String createdAt, String createdBy) {

    static TagView of(Tag tag) {
        return new TagView(tag.name(), tag.imageCount(), tag.createdAt().toString(), tag.createdBy());
    }

    /** {@code owner}'s view: their own image count; the creator only if it is them. */
    static TagView of(Tag tag, String owner, long ownCount) {
        return new TagView(tag.name(), ownCount, tag.createdAt().toString(),
                tag.createdBy().equals(owner) ? owner : null);
    }
}
