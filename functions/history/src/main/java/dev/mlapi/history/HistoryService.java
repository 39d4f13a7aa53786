package dev.mlapi.history;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.HistoryQuery;
import dev.mlapi.core.requestlog.HistorySlice;
import dev.mlapi.core.requestlog.RequestHistory;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.history.HistoryViews.EntryView;
import dev.mlapi.history.HistoryViews.HistoryPage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** The history's rules: who sees and deletes which entries. Admins: everyone's; users: their own. */
final class HistoryService implements Primer {

    /** The longest request id any caller can be given: a kept X-Request-Id (64) with a suffix, or API Gateway's. */
    static final int MAX_REQUEST_ID = 128;
    private static final Pattern REQUEST_ID =
            Pattern.compile("[A-Za-z0-9_=+-]{1," + MAX_REQUEST_ID + "}");

    /** Entries are logged after their handler answers: a default {@code to} a little ahead includes the newest. */
    private static final Duration DEFAULT_TO_AHEAD = Duration.ofMinutes(1);

    private final RequestHistory history;
    private final HistoryCursor cursors;
    private final Clock clock;

    HistoryService(RequestHistory history, HistoryCursor cursors, Clock clock) {
        this.history = history;
        this.cursors = cursors;
        this.clock = clock;
    }

    static HistoryService create(Wiring wiring) {
        return new HistoryService(wiring.requestHistory(), HistoryCursor.withSecret(wiring.signingSecret()),
                wiring.clock());
    }

    /** Reads as a page and an entry do, for a user and an entry that cannot exist: read only. */
    @Override
    public void prime() {
        HistorySlice slice = history.list(new HistoryQuery(Instant.EPOCH, clock.instant(), Optional.empty(),
                Optional.of("~priming"), Optional.empty(), Optional.empty(), Optional.empty(), 1));
        Json.write(new HistoryPage(slice.items().stream().map(EntryView::of).toList(), Optional.empty()));
        history.find("~priming");
    }

    HistoryPage list(Principal caller, HistoryFilter filter) {
        Optional<String> user = visibleUser(caller, filter.user(), "list");
        String fingerprint = filter.fingerprint(caller.username());
        Instant to = filter.to().orElseGet(() -> clock.instant().plus(DEFAULT_TO_AHEAD));
        HistorySlice slice = history.list(new HistoryQuery(filter.from().orElse(Instant.EPOCH), to, filter.route(),
                user, filter.status(), filter.model(), cursors.decode(filter.cursor(), fingerprint), filter.limit()));
        return new HistoryPage(slice.items().stream().map(EntryView::of).toList(),
                slice.next().map(position -> cursors.encode(position, fingerprint)));
    }

    EntryView get(Principal caller, String requestId) {
        if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
            // bounded before the lookup: DynamoDB refuses keys over 2048 bytes with a 500-shaped error
            throw InvalidInput.field("request_id", "is 1 to " + MAX_REQUEST_ID + " characters of letters, digits"
                    + " and _ - = +");
        }
        RequestLogEntry entry = history.find(requestId)
                .filter(e -> caller.isAdmin() || e.user().equals(Optional.of(caller.username())))
                .orElseThrow(() -> new NotFound("no history entry '" + requestId + "'"));
        return EntryView.of(entry);
    }

    /** Records the deletion (reads honour it at once); the entries are removed in the background. */
    HistoryDeletion delete(Principal caller, Optional<Instant> before, Optional<String> user, Instant receivedAt) {
        HistoryDeletion deletion = new HistoryDeletion(UUID.randomUUID().toString(), before.orElse(receivedAt),
                visibleUser(caller, user, "delete"), clock.instant(), caller.username(), false);
        history.requestDeletion(deletion);
        return deletion;
    }

    /** The user whose entries the caller may touch: admins any (or all), users only themselves. */
    private static Optional<String> visibleUser(Principal caller, Optional<String> requested, String verb) {
        if (caller.isAdmin()) {
            return requested;
        }
        if (requested.isPresent() && !requested.get().equals(caller.username())) {
            throw new Forbidden("only an admin may " + verb + " another user's history");
        }
        return Optional.of(caller.username());
    }
}
