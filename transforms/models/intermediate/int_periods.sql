-- intermediate.int_periods: every reporting period of metrics.md, one row per purpose and period.
-- purpose 'kpi' (marts.kpi_period and friends), running statistical year Y (from ref.run_context):
--   ytd     from 1 October of Y-1 to every month end of Y up to the as-of date, and to the as-of date
--           (one row per distinct end); plus one from 1 October of Y-2 to the same day of the previous
--           year (is_previous_same_day_ytd), for comparison and the seasonal projection;
--   year    the 4 previous full statistical years Y-4 .. Y-1;
--   half, quarter, month  standalone periods of statistical years Y-1 and Y (H1 = Oct-Mar, Q1 =
--           Oct-Dec), those begun by the as-of date; one not ended yet ends on the as-of date.
-- purpose 'case_flow' (marts.case_flow): the last 36 calendar months up to the as-of date, and every
--   statistical year from the one of the earliest received_date to Y (the running one ends on as-of).
-- nominal_end is the period's calendar end; is_partial when period_end < nominal_end.
with run_context as (
    select * from ref.run_context
),

cases as (
    select * from staging.stg_cases
),

ytd_month_ends as (
    select distinct
        cast(last_day(cast(m.month_start as date)) as date) as period_end,
    from run_context
    cross join unnest(generate_series(
        cast(run_context.year_start as timestamp),
        cast(run_context.as_of as timestamp),
        interval 1 month
    )) as m(month_start)
),

ytd as (
    select
        'ytd' as period_kind,
        run_context.year_start as period_start,
        ends.period_end,
        ends.period_end as nominal_end,
        run_context.statistical_year,
        false as is_previous_same_day_ytd,
    from run_context
    cross join (
        select period_end from ytd_month_ends
        union
        select as_of from run_context
    ) as ends
    where ends.period_end <= run_context.as_of
    union all
    select
        'ytd' as period_kind,
        previous_year_start as period_start,
        same_day_previous_year as period_end,
        same_day_previous_year as nominal_end,
        statistical_year - 1 as statistical_year,
        true as is_previous_same_day_ytd,
    from run_context
),

years as (
    select
        'year' as period_kind,
        make_date(cast(run_context.statistical_year - k.k - 1 as integer), 10, 1) as period_start,
        make_date(cast(run_context.statistical_year - k.k as integer), 9, 30) as period_end,
        make_date(cast(run_context.statistical_year - k.k as integer), 9, 30) as nominal_end,
        cast(run_context.statistical_year - k.k as integer) as statistical_year,
        false as is_previous_same_day_ytd,
    from run_context
    cross join range(1, 5) as k(k)
),

recent_years as (
    select
        cast(run_context.statistical_year - k.k as integer) as statistical_year,
        run_context.as_of,
    from run_context
    cross join range(0, 2) as k(k)
),

halves_and_quarters as (
    -- (kind, number, first month offset from 1 October, length in months)
    select * from (
        values
            ('half', 1, 0, 6), ('half', 2, 6, 6),
            ('quarter', 1, 0, 3), ('quarter', 2, 3, 3), ('quarter', 3, 6, 3), ('quarter', 4, 9, 3)
    ) as t(period_kind, part_no, month_offset, months)
),

standalone_parts as (
    select
        parts.period_kind,
        recent_years.statistical_year,
        parts.part_no,
        cast(make_date(recent_years.statistical_year - 1, 10, 1) + to_months(parts.month_offset) as date)
            as period_start,
        cast(make_date(recent_years.statistical_year - 1, 10, 1)
            + to_months(parts.month_offset + parts.months) - interval 1 day as date) as nominal_end,
        recent_years.as_of,
    from recent_years
    cross join halves_and_quarters as parts
),

standalone_months as (
    select
        'month' as period_kind,
        recent_years.statistical_year,
        cast(m.k + 1 as integer) as part_no,
        cast(make_date(recent_years.statistical_year - 1, 10, 1) + to_months(cast(m.k as integer)) as date)
            as period_start,
        cast(make_date(recent_years.statistical_year - 1, 10, 1) + to_months(cast(m.k + 1 as integer))
            - interval 1 day as date) as nominal_end,
        recent_years.as_of,
    from recent_years
    cross join range(0, 12) as m(k)
),

standalone as (
    select
        period_kind,
        period_start,
        least(nominal_end, as_of) as period_end,
        nominal_end,
        statistical_year,
        false as is_previous_same_day_ytd,
        part_no,
    from (
        select * from standalone_parts
        union all
        select * from standalone_months
    )
    where period_start <= as_of
),

kpi_periods as (
    select *, null::integer as part_no from ytd
    union all
    select *, null::integer as part_no from years
    union all
    select * from standalone
),

flow_months as (
    select
        'month' as period_kind,
        cast(m.month_start as date) as period_start,
        least(cast(last_day(cast(m.month_start as date)) as date), run_context.as_of) as period_end,
        cast(last_day(cast(m.month_start as date)) as date) as nominal_end,
        cast(case when month(m.month_start) >= 10 then year(m.month_start) + 1 else year(m.month_start) end
            as integer) as statistical_year,
        false as is_previous_same_day_ytd,
        null::integer as part_no,
    from run_context
    cross join unnest(generate_series(
        cast(date_trunc('month', run_context.as_of) - interval 35 month as timestamp),
        cast(date_trunc('month', run_context.as_of) as timestamp),
        interval 1 month
    )) as m(month_start)
),

first_year as (
    select
        coalesce(
            min(case when month(cases.received_date) >= 10 then year(cases.received_date) + 1
                     else year(cases.received_date) end),
            any_value(run_context.statistical_year)
        ) as first_statistical_year,
    from run_context
    left join cases
        on cases.received_date <= run_context.as_of
),

flow_years as (
    select
        'year' as period_kind,
        make_date(cast(y.y - 1 as integer), 10, 1) as period_start,
        least(make_date(cast(y.y as integer), 9, 30), run_context.as_of) as period_end,
        make_date(cast(y.y as integer), 9, 30) as nominal_end,
        cast(y.y as integer) as statistical_year,
        false as is_previous_same_day_ytd,
        null::integer as part_no,
    from run_context
    cross join first_year
    cross join range(
        least(first_year.first_statistical_year, run_context.statistical_year),
        run_context.statistical_year + 1
    ) as y(y)
),

all_periods as (
    select 'kpi' as purpose, * from kpi_periods
    union all
    select 'case_flow' as purpose, * from flow_months
    union all
    select 'case_flow' as purpose, * from flow_years
),

labelled as (
    select
        all_periods.*,
        case period_kind
            when 'ytd' then cast(statistical_year as varchar) || ' ytd to ' || strftime(period_end, '%Y-%m-%d')
            when 'year' then cast(statistical_year as varchar)
            when 'half' then cast(statistical_year as varchar) || ' H' || cast(part_no as varchar)
            when 'quarter' then cast(statistical_year as varchar) || ' Q' || cast(part_no as varchar)
            when 'month' then strftime(period_start, '%Y-%m')
        end as period_label,
    from all_periods
),

final as (
    select
        labelled.purpose,
        labelled.purpose || ':' || labelled.period_kind || ':' || strftime(labelled.period_start, '%Y-%m-%d')
            || ':' || strftime(labelled.period_end, '%Y-%m-%d') as period_id,
        labelled.period_kind,
        labelled.period_label,
        labelled.period_start,
        labelled.period_end,
        labelled.nominal_end,
        cast(labelled.period_start - interval 1 day as date) as day_before_start,
        labelled.statistical_year,
        cast(labelled.period_end - labelled.period_start + 1 as integer) as days_in_period,
        labelled.period_end < labelled.nominal_end as is_partial,
        labelled.period_kind = 'ytd' and labelled.statistical_year = run_context.statistical_year
            and labelled.period_end = run_context.as_of as is_as_of_ytd,
        labelled.is_previous_same_day_ytd,
    from labelled
    cross join run_context
)

select * from final
