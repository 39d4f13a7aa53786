package dev.mlapi.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.HistoryPosition;
import dev.mlapi.core.requestlog.HistoryQuery;
import dev.mlapi.core.requestlog.HistorySlice;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.requestlog.StatusFilter;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Listing everyone's history walks the {@code by_day} partitions several days at once: against
 * DynamoDB Local, every page and cursor must be what a day-by-day walk gives, and what the log
 * holds, filtered and ordered newest first.
 */
class DynamoDbRequestHistoryTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final StatusFilter CLIENT_ERRORS = new StatusFilter(400, 499);

    private TestStack stack;
    private final List<RequestLogEntry> logged = new ArrayList<>();

    @BeforeEach
    void start() {
        stack = TestStack.start();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    @Test
    void list_sparseFilterOverManyDays_pagesAsTheDayByDayWalk() {
        // a few entries on scattered days over the whole retention, one in three a 4xx
        int n = 0;
        for (int daysAgo : new int[] {0, 1, 2, 5, 17, 33, 34, 60, 88}) {
            for (int i = 0; i < 6; i++) {
                log(NOW.minus(Duration.ofDays(daysAgo)).minus(Duration.ofMinutes(37L * i + 1)), "alice",
                        n++ % 3 == 0 ? 404 : 200);
            }
        }
        store();

        for (int limit : new int[] {4, 20}) {
            assertWalksAsExpected(query(limit, Optional.of(CLIENT_ERRORS)));
        }
        assertThat(expected(query(1, Optional.of(CLIENT_ERRORS)))).hasSize(18);
    }

    @Test
    void list_pageBoundariesInsideAndAcrossDays_everyEntryOnceInOrder() {
        // days of 1 to 4 entries, so limits of 1 to 7 end pages both inside a day and on its last entry
        for (int daysAgo = 0; daysAgo < 12; daysAgo++) {
            for (int i = 0; i <= daysAgo % 4; i++) {
                log(NOW.minus(Duration.ofDays(daysAgo)).minus(Duration.ofMinutes(11L * i + 1)),
                        i % 2 == 0 ? "alice" : "bob", 200 + daysAgo);
            }
        }
        store();

        for (int limit : new int[] {1, 2, 3, 5, 7}) {
            assertWalksAsExpected(query(limit, Optional.empty()));
        }
        assertWalksAsExpected(query(1000, Optional.empty()));
        assertThat(expected(query(1000, Optional.empty()))).hasSize(30);
    }

    @Test
    void list_deletionsHideEntries_andBoundTheWalk() {
        for (int daysAgo = 0; daysAgo < 60; daysAgo += 3) {
            log(NOW.minus(Duration.ofDays(daysAgo)).minusSeconds(60), "alice", 404);
            log(NOW.minus(Duration.ofDays(daysAgo)).minusSeconds(120), "bob", 200);
        }
        store();
        Instant everyoneBefore = NOW.minus(Duration.ofDays(30)).minusSeconds(90);
        history(1).requestDeletion(new HistoryDeletion("everyone", everyoneBefore, Optional.empty(), NOW, "root",
                false));
        history(1).requestDeletion(new HistoryDeletion("bob", NOW.minus(Duration.ofDays(10)), Optional.of("bob"),
                NOW, "root", false));

        for (int limit : new int[] {1, 3, 1000}) {
            assertWalksAsExpected(query(limit, Optional.empty()));
        }
        assertThat(expected(query(1000, Optional.empty())))
                .hasSize(11 + 4) // alice's from the last 30 days, bob's from the last 10
                .allMatch(entry -> !entry.createdAt().isBefore(everyoneBefore));

        // no day wholly covered by the deletion of everything is queried
        RecordingDynamoDb recording = new RecordingDynamoDb(stack.wiring().dynamoDb(), Duration.ZERO);
        history(recording, DynamoDbRequestHistory.DAYS_AT_ONCE).list(query(1000, Optional.of(CLIENT_ERRORS)));
        assertThat(recording.days).isNotEmpty()
                .allMatch(day -> !LocalDate.parse(day).isBefore(day(everyoneBefore)));
    }

    @Test
    void list_emptyLog_isOneEmptyPage() {
        for (int limit : new int[] {1, 20}) {
            assertWalksAsExpected(query(limit, Optional.of(CLIENT_ERRORS)));
            assertWalksAsExpected(query(limit, Optional.empty()));
        }
        HistorySlice slice = history(DynamoDbRequestHistory.DAYS_AT_ONCE).list(query(20, Optional.of(CLIENT_ERRORS)));
        assertThat(slice.items()).isEmpty();
        assertThat(slice.next()).isEmpty();
    }

    @Test
    void list_whenNewerDaysAnswerLast_stillMergesNewestDayFirst() {
        for (int daysAgo = 0; daysAgo < 20; daysAgo++) {
            log(NOW.minus(Duration.ofDays(daysAgo)).minusSeconds(30), daysAgo % 2 == 0 ? "alice" : "bob", 404);
            log(NOW.minus(Duration.ofDays(daysAgo)).minusSeconds(90), "alice", 200);
        }
        store();
        // each day answers later the newer it is: merged as answered, the pages would run oldest first
        RecordingDynamoDb slow = new RecordingDynamoDb(stack.wiring().dynamoDb(), Duration.ofMillis(12));
        DynamoDbRequestHistory concurrent = history(slow, DynamoDbRequestHistory.DAYS_AT_ONCE);

        for (int limit : new int[] {3, 7, 1000}) {
            HistoryQuery query = query(limit, Optional.of(CLIENT_ERRORS));
            assertThat(walk(concurrent, query)).isEqualTo(pagesOf(expected(query), limit));
        }
        assertThat(slow.mostAtOnce.get()).as("day queries overlapping")
                .isBetween(2, DynamoDbRequestHistory.DAYS_AT_ONCE);
        assertThat(slow.onCallerThread.get()).isZero();
        assertThat(slow.onNonDaemonThread.get()).isZero();
    }

    @Test
    void list_whenADayQueryIsThrottledOnAWorker_throws503NotAWrappedSdkException() {
        for (int daysAgo = 0; daysAgo < 40; daysAgo += 4) {
            log(NOW.minus(Duration.ofDays(daysAgo)).minusSeconds(30), "alice", 200);
        }
        store();
        String throttledDay = day(NOW.minus(Duration.ofDays(20))).toString();
        ThrottlingDynamoDb throttling = new ThrottlingDynamoDb(stack.wiring().dynamoDb()).throttle(request ->
                request instanceof QueryRequest q && q.expressionAttributeValues().containsKey(":pk")
                        && throttledDay.equals(q.expressionAttributeValues().get(":pk").s()));
        DynamoDbRequestHistory history = history(throttling, DynamoDbRequestHistory.DAYS_AT_ONCE);

        assertThatThrownBy(() -> history.list(query(20, Optional.of(CLIENT_ERRORS))))
                .isInstanceOf(ServiceUnavailable.class)
                .satisfies(e -> assertThat(((ServiceUnavailable) e).retryAfter())
                        .contains(SdkErrors.THROTTLED_RETRY_AFTER));
        // a page filled before the throttled day is reached is served
        assertThat(history.list(query(2, Optional.empty())).items()).hasSize(2);
    }

    // --- the log, the oracle and the walk

    private void log(Instant at, String user, int status) {
        logged.add(new RequestLogEntry("req-" + logged.size() + "-" + at.toEpochMilli(), at, "POST /classify", "POST",
                "/classify", Optional.of(user), status, 0.01, 100, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                at.plus(stack.config().requestLogRetention())));
    }

    private void store() {
        new DynamoDbRequestLog(stack.wiring().dynamoDb(), stack.config().requestLogTable()).recordAll(logged);
    }

    private static HistoryQuery query(int limit, Optional<StatusFilter> status) {
        return new HistoryQuery(Instant.EPOCH, NOW.plusSeconds(1), Optional.empty(), Optional.empty(), status,
                Optional.empty(), Optional.empty(), limit);
    }

    private DynamoDbRequestHistory history(int daysAtOnce) {
        return history(stack.wiring().dynamoDb(), daysAtOnce);
    }

    private DynamoDbRequestHistory history(DynamoDbClient dynamoDb, int daysAtOnce) {
        return new DynamoDbRequestHistory(dynamoDb, stack.config().requestLogTable(),
                stack.config().requestLogRetention(), Clock.systemUTC(), entry -> true, daysAtOnce);
    }

    /** What the query must list, worked out from what was logged: matching, not deleted, newest first. */
    private List<RequestLogEntry> expected(HistoryQuery query) {
        List<HistoryDeletion> deletions = history(1).deletions();
        return logged.stream()
                .filter(e -> query.status().map(s -> s.matches(e.statusCode())).orElse(true))
                .filter(e -> deletions.stream().noneMatch(d -> d.covers(e)))
                .sorted(Comparator.comparing(RequestLogEntry::createdAt).reversed())
                .toList();
    }

    /** Pages of {@code limit}, each with the position of its last entry as cursor unless nothing follows. */
    private static List<Page> pagesOf(List<RequestLogEntry> entries, int limit) {
        List<Page> pages = new ArrayList<>();
        for (int from = 0; from == 0 || from < entries.size(); from += limit) {
            List<RequestLogEntry> items = entries.subList(from, Math.min(entries.size(), from + limit));
            Optional<HistoryPosition> next = from + limit < entries.size()
                    ? Optional.of(position(items.get(items.size() - 1))) : Optional.empty();
            pages.add(new Page(items.stream().map(RequestLogEntry::requestId).toList(), next));
        }
        return pages;
    }

    private static HistoryPosition position(RequestLogEntry entry) {
        return new HistoryPosition(day(entry.createdAt()).toString(), DynamoDbRequestLog.timestamp(entry.createdAt()),
                entry.requestId());
    }

    /** Every page of {@code query}, following the cursor to the end. */
    private static List<Page> walk(DynamoDbRequestHistory history, HistoryQuery query) {
        List<Page> pages = new ArrayList<>();
        Optional<HistoryPosition> after = Optional.empty();
        do {
            HistorySlice slice = history.list(new HistoryQuery(query.from(), query.to(), query.route(), query.user(),
                    query.status(), query.model(), after, query.limit()));
            pages.add(new Page(slice.items().stream().map(RequestLogEntry::requestId).toList(), slice.next()));
            after = slice.next();
        } while (after.isPresent() && pages.size() < 1000);
        return pages;
    }

    private void assertWalksAsExpected(HistoryQuery query) {
        List<Page> dayByDay = walk(history(1), query);
        assertThat(walk(history(DynamoDbRequestHistory.DAYS_AT_ONCE), query)).as("limit %d", query.limit())
                .isEqualTo(dayByDay)
                .isEqualTo(pagesOf(expected(query), query.limit()));
    }

    private static LocalDate day(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate();
    }

    private record Page(List<String> ids, Optional<HistoryPosition> next) {
    }

    /**
     * The real client, recording which days were queried, on which threads and how many at once;
     * a day's query is held back by {@code perDay} for each day it is newer than 20 days ago.
     */
    private static final class RecordingDynamoDb implements DynamoDbClient {

        private final DynamoDbClient real;
        private final Duration perDay;
        private final Thread caller = Thread.currentThread();
        final Set<String> days = ConcurrentHashMap.newKeySet();
        final AtomicInteger atOnce = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final AtomicInteger onCallerThread = new AtomicInteger();
        final AtomicInteger onNonDaemonThread = new AtomicInteger();

        RecordingDynamoDb(DynamoDbClient real, Duration perDay) {
            this.real = real;
            this.perDay = perDay;
        }

        @Override
        public QueryResponse query(QueryRequest request) {
            AttributeValue day = request.expressionAttributeValues().get(":pk");
            Predicate<QueryRequest> dayQuery = r -> day != null && DynamoDbRequestLog.BY_DAY_INDEX.equals(r.indexName());
            if (!dayQuery.test(request)) {
                return real.query(request);
            }
            days.add(day.s());
            onCallerThread.addAndGet(Thread.currentThread() == caller ? 1 : 0);
            onNonDaemonThread.addAndGet(Thread.currentThread().isDaemon() ? 0 : 1);
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            try {
                long newer = Math.max(0, 20 - ChronoUnit.DAYS.between(LocalDate.parse(day.s()), day(NOW)));
                Thread.sleep(perDay.toMillis() * newer);
                return real.query(request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                atOnce.decrementAndGet();
            }
        }

        @Override
        public String serviceName() {
            return real.serviceName();
        }

        @Override
        public void close() {
        }
    }
}
