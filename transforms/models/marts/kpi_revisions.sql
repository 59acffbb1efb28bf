-- marts.kpi_revisions: figures of closed periods that differ from what the committee was last told.
-- A late correction in a register (a payment entered months later, a status back-dated) changes the
-- figures of periods already reported; this lists each changed figure beside the value last published
-- for it (raw.published_history, kept outside the warehouse by thads/history.py). A period is closed
-- when it ended before the as-of date. Amounts are today's amount_due (metrics.md), so a corrected
-- amount_due shows here too.
with history as (
    select * from raw.published_history
),

kpi as (
    select * from marts.kpi_period
),

run_context as (
    select * from ref.run_context
),

last_published as (
    select
        history.*,
        row_number() over (
            partition by period_kind, period_start, period_end, scope, office_code, metric
            order by published_at desc, run_id desc
        ) as recency,
    from history
    cross join run_context
    where history.as_of <= run_context.as_of
),

latest as (
    select * from last_published where recency = 1
),

kpi_as_double as (
    select
        period_kind, period_start, period_end, scope, office_code,
        cast(carried_over as double) as carried_over,
        cast(new_cases as double) as new_cases,
        cast(handled as double) as handled,
        cast(entrusted as double) as entrusted,
        cast(withdrawn as double) as withdrawn,
        cast(moved_to_separate as double) as moved_to_separate,
        cast(to_enforce as double) as to_enforce,
        cast(with_conditions as double) as with_conditions,
        cast(without_conditions as double) as without_conditions,
        cast(completed as double) as completed,
        cast(carried_forward as double) as carried_forward,
        cast(rate_cases as double) as rate_cases,
        cast(money_to_enforce as double) as money_to_enforce,
        cast(money_with_conditions as double) as money_with_conditions,
        cast(money_completed as double) as money_completed,
        cast(money_carried_forward as double) as money_carried_forward,
        cast(rate_money as double) as rate_money,
        cast(money_recovered as double) as money_recovered,
    from kpi
),

current_long as (
    select *
    from kpi_as_double
    unpivot include nulls (
        value for metric in (
            carried_over, new_cases, handled, entrusted, withdrawn, moved_to_separate, to_enforce,
            with_conditions, without_conditions, completed, carried_forward, rate_cases, money_to_enforce,
            money_with_conditions, money_completed, money_carried_forward, rate_money, money_recovered
        )
    )
),

final as (
    select
        current_long.period_kind,
        current_long.period_start,
        current_long.period_end,
        current_long.scope,
        current_long.office_code,
        current_long.metric,
        latest.value as published_value,
        current_long.value as current_value,
        current_long.value - latest.value as difference,
        latest.as_of as published_as_of,
        latest.run_id as published_run_id,
        latest.published_at,
    from current_long
    inner join latest
        on current_long.period_kind = latest.period_kind
        and current_long.period_start = latest.period_start
        and current_long.period_end = latest.period_end
        and current_long.scope = latest.scope
        and current_long.office_code = latest.office_code
        and current_long.metric = latest.metric
    cross join run_context
    where current_long.period_end < run_context.as_of
        and (
            (current_long.value is null) <> (latest.value is null)
            or abs(current_long.value - latest.value) > 1e-9 * greatest(1, abs(latest.value))
        )
    order by current_long.period_kind, current_long.period_end, current_long.scope,
        current_long.office_code, current_long.metric
)

select * from final
