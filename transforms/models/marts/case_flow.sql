-- marts.case_flow: incoming, outgoing and pending cases per month (the last 36, up to the as-of date)
-- and per statistical year (CourTools measures 2-3, CEPEJ clearance rate and disposition time).
-- One row per period x office_code (ALL = the province, and every office); a dense grid.
-- Columns documented in docs/marts.md.
with periods as (
    select * from intermediate.int_periods
    where purpose = 'case_flow'
),

cases as (
    select * from staging.stg_cases
),

intervals as (
    select * from intermediate.int_case_status_intervals
),

closing_events as (
    select * from intermediate.int_case_closing_events
),

status_classes as (
    select * from staging.stg_status_classes
),

offices as (
    select * from staging.stg_offices
),

incoming as (
    select
        periods.period_id,
        coalesce(cases.office_code, 'ALL') as office_code,
        count(*) as incoming,
    from periods
    inner join cases
        on cases.received_date between periods.period_start and periods.period_end
    group by grouping sets ((periods.period_id, cases.office_code), (periods.period_id))
),

outgoing as (
    select
        periods.period_id,
        coalesce(closing_events.office_code, 'ALL') as office_code,
        count(*) as outgoing,
        quantile_cont(closing_events.days_to_close, 0.5) filter (where closing_events.is_completion)
            as ttd_median_days,
        quantile_cont(closing_events.days_to_close, 0.9) filter (where closing_events.is_completion)
            as ttd_p90_days,
        count(*) filter (where closing_events.is_completion and closing_events.days_to_close <= 365) * 100.0
            / nullif(count(*) filter (where closing_events.is_completion), 0) as ttd_share_within_365,
    from periods
    inner join closing_events
        on closing_events.closed_on between periods.period_start and periods.period_end
    group by grouping sets ((periods.period_id, closing_events.office_code), (periods.period_id))
),

open_intervals as (
    select
        intervals.*,
        cases.office_code,
    from intervals
    inner join status_classes
        on intervals.status = status_classes.status
    inner join cases
        on intervals.case_id = cases.case_id
    where status_classes.is_open
),

pending as (
    select
        periods.period_id,
        coalesce(open_intervals.office_code, 'ALL') as office_code,
        count(*) as pending_end,
    from periods
    inner join open_intervals
        on open_intervals.valid_from <= periods.period_end
        and coalesce(open_intervals.valid_to, date '9999-12-31') > periods.period_end
    group by grouping sets ((periods.period_id, open_intervals.office_code), (periods.period_id))
),

grid as (
    select
        periods.*,
        grid_offices.office_code,
    from periods
    cross join (
        select 'ALL' as office_code
        union
        select office_code from offices
        union
        select distinct office_code from cases
    ) as grid_offices
),

joined as (
    select
        grid.period_kind,
        grid.period_start,
        grid.period_end,
        grid.days_in_period,
        grid.office_code,
        coalesce(incoming.incoming, 0) as incoming,
        coalesce(outgoing.outgoing, 0) as outgoing,
        coalesce(pending.pending_end, 0) as pending_end,
        outgoing.ttd_median_days,
        outgoing.ttd_p90_days,
        outgoing.ttd_share_within_365,
    from grid
    left join incoming
        on grid.period_id = incoming.period_id
        and grid.office_code = incoming.office_code
    left join outgoing
        on grid.period_id = outgoing.period_id
        and grid.office_code = outgoing.office_code
    left join pending
        on grid.period_id = pending.period_id
        and grid.office_code = pending.office_code
),

final as (
    select
        period_kind,
        period_start,
        period_end,
        office_code,
        incoming,
        outgoing,
        pending_end,
        cast(outgoing as double) * 100 / nullif(incoming, 0) as clearance_rate,
        cast(pending_end as double) / nullif(outgoing, 0) * days_in_period as disposition_time_days,
        ttd_median_days,
        ttd_p90_days,
        cast(ttd_share_within_365 as double) as ttd_share_within_365,
    from joined
    order by period_kind, period_start, office_code
)

select * from final
