package dev.mlapi.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduleTriggerTest {

    private static Instant at(String utc) {
        return Instant.parse(utc);
    }

    private static Instant next(String expression, String after) {
        return ScheduleExpression.parse(expression).nextAfter(at(after)).orElseThrow();
    }

    @Test
    void rate_isEventBridgesSyntax_withTheUnitSingularForOne() {
        assertThat(((ScheduleExpression.Rate) ScheduleExpression.parse("rate(6 hours)")).period()).isEqualTo(Duration.ofHours(6));
        assertThat(((ScheduleExpression.Rate) ScheduleExpression.parse("rate(1 minute)")).period()).isEqualTo(Duration.ofMinutes(1));
        assertThat(((ScheduleExpression.Rate) ScheduleExpression.parse("rate(2 days)")).period()).isEqualTo(Duration.ofDays(2));
        assertThatThrownBy(() -> ScheduleExpression.parse("rate(1 hours)")).hasMessageContaining("singular for 1");
        assertThatThrownBy(() -> ScheduleExpression.parse("rate(5 minute)")).hasMessageContaining("plural above 1");
        assertThatThrownBy(() -> ScheduleExpression.parse("rate(0 minutes)")).hasMessageContaining("positive whole number");
        assertThatThrownBy(() -> ScheduleExpression.parse("rate(1 week)")).hasMessageContaining("minute|minutes");
        assertThatThrownBy(() -> ScheduleExpression.parse("every 5 minutes")).hasMessageContaining("neither rate");
        assertThat(next("rate(6 hours)", "2026-12-07T05:00:00Z")).isEqualTo(at("2026-12-07T11:00:00Z"));
    }

    @Test
    void cron_refusesWhatEventBridgeRefuses() {
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 * * *)")).hasMessageContaining("6 fields");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 * * * *)")).hasMessageContaining("exactly one of");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 ? * ? *)")).hasMessageContaining("exactly one of");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(60 12 * * ? *)")).hasMessageContaining("minutes value 60");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 24 * * ? *)")).hasMessageContaining("hours value 24");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 32 * ? *)")).hasMessageContaining("day-of-month");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 ? FOO MON *)")).hasMessageContaining("month value FOO");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 ? * 8 *)")).hasMessageContaining("day-of-week value 8");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 12 ? * 2#6 *)")).hasMessageContaining("day-of-week");
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 20-10 * * ? *)")).hasMessageContaining("runs backwards");
    }

    @Test
    void cron_nextRun_followsEventBridgesFields() {
        // Daily at 03:15 UTC.
        assertThat(next("cron(15 3 * * ? *)", "2026-12-07T05:00:00Z")).isEqualTo(at("2026-12-08T03:15:00Z"));
        assertThat(next("cron(15 3 * * ? *)", "2026-12-07T03:14:59Z")).isEqualTo(at("2026-12-07T03:15:00Z"));
        assertThat(next("cron(15 3 * * ? *)", "2026-12-07T03:15:00Z")).isEqualTo(at("2026-12-08T03:15:00Z"));
        // Every 15 minutes on weekdays (Sunday is 1): 2026-12-05 is a Saturday.
        assertThat(next("cron(0/15 * ? * MON-FRI *)", "2026-12-05T10:07:00Z")).isEqualTo(at("2026-12-07T00:00:00Z"));
        assertThat(next("cron(0/15 * ? * 2-6 *)", "2026-12-07T10:07:00Z")).isEqualTo(at("2026-12-07T10:15:00Z"));
        // Last day of the month; the last Friday (6L); the first Monday (2#1); the weekday nearest the 1st.
        assertThat(next("cron(0 0 L * ? *)", "2026-02-03T00:00:00Z")).isEqualTo(at("2026-02-28T00:00:00Z"));
        assertThat(next("cron(0 0 ? * 6L *)", "2026-12-01T00:00:00Z")).isEqualTo(at("2026-12-25T00:00:00Z"));
        assertThat(next("cron(0 9 ? * 2#1 *)", "2026-12-08T00:00:00Z")).isEqualTo(at("2027-01-04T09:00:00Z"));
        // 2026-08-01 is a Saturday: the nearest weekday within August is Monday the 3rd.
        assertThat(next("cron(0 0 1W * ? *)", "2026-07-15T00:00:00Z")).isEqualTo(at("2026-08-03T00:00:00Z"));
        // A year range that has ended never fires again.
        assertThat(ScheduleExpression.parse("cron(0 0 1 1 ? 2020-2021)").nextAfter(at("2026-01-01T00:00:00Z"))).isEmpty();
        assertThat(next("cron(0 0 1 JAN ? 2030)", "2026-12-07T00:00:00Z")).isEqualTo(at("2030-01-01T00:00:00Z"));
    }

    @Test
    void scheduleTrigger_isValidatedWhenTheCatalogIsBuilt_andItsTimeoutEndsBeforeTheNextRun() {
        assertThatThrownBy(() -> new Trigger.Schedule("rate(1 hours)")).hasMessageContaining("singular");
        Trigger.Schedule schedule = new Trigger.Schedule("rate(5 minutes)");
        assertThat(schedule.<String>match(stream -> "stream", sqs -> "sqs", s -> "schedule")).isEqualTo("schedule");
        assertThatThrownBy(() -> FunctionSpec.event("job").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofMinutes(5), "why").setTrigger(schedule).build())
                .hasMessageContaining("shorter than the schedule's period (rate(5 minutes))");
        FunctionSpec ok = FunctionSpec.event("job").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofMinutes(4), "why").setTrigger(schedule).build();
        // EventBridge invokes through the function's resource policy: the role gets its logs only.
        assertThat(ok.grants()).extracting(Grant::resource).containsExactly(Resource.OWN_LOG_GROUP);
    }

    @Test
    void theSweeperAndTheRegistryCleanUp_areScheduled_andLeaveYoungObjectsAlone() {
        for (FunctionSpec spec : java.util.List.of(FunctionCatalog.IMAGE_SWEEPER, FunctionCatalog.REGISTRY_CLEANUP)) {
            assertThat(spec.trigger()).get().isInstanceOf(Trigger.Schedule.class);
            assertThat(spec.environment()).containsKey(Env.CLEAN_UP_MIN_AGE_SECONDS);
        }
        assertThat(FunctionCatalog.IMAGE_SWEEPER.module()).isEqualTo("images");
        assertThat(FunctionCatalog.REGISTRY_CLEANUP.module()).isEqualTo("models");
    }
}
