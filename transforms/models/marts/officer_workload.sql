-- marts.officer_workload: per enforcement officer (by ID, never by name) and office, on the as-of date:
-- pending cases with and without conditions (and in the separate register), cases completed in the
-- running statistical year to date, and deadline breaches (open and total). officer_id NULL = cases
-- with no officer assigned. A case counts for its current office and officer (registers keep no
-- history of assignments). Documented column by column in docs/marts-assets-deadlines.md.
with cases_current as (
    select * from intermediate.int_case_current
),

case_period_kpi as (
    select * from intermediate.int_case_period_kpi
),

periods as (
    select * from intermediate.int_periods
    where purpose = 'kpi'
),

checks as (
    select * from intermediate.int_deadline_checks
),

cases as (
    select * from staging.stg_cases
),

run_context as (
    select * from ref.run_context
),

pending_facts as (
    select
        office_code,
        officer_id,
        case when condition_class = 'with' then 1 else 0 end as pending_with_conditions,
        case when condition_class = 'without' then 1 else 0 end as pending_without_conditions,
        case when condition_class = 'separate' then 1 else 0 end as pending_separate,
        0 as completed_ytd,
        0 as open_breaches,
        0 as total_breaches,
    from cases_current
    where is_pending
),

completed_facts as (
    select
        cases_current.office_code,
        cases_current.officer_id,
        0 as pending_with_conditions,
        0 as pending_without_conditions,
        0 as pending_separate,
        1 as completed_ytd,
        0 as open_breaches,
        0 as total_breaches,
    from case_period_kpi
    inner join periods
        on case_period_kpi.period_id = periods.period_id
    inner join cases_current
        on case_period_kpi.case_id = cases_current.case_id
    where periods.is_as_of_ytd
        and case_period_kpi.is_completed
),

breach_facts as (
    select
        coalesce(cases_current.office_code, cases.office_code) as office_code,
        coalesce(cases_current.officer_id, cases.officer_id) as officer_id,
        0 as pending_with_conditions,
        0 as pending_without_conditions,
        0 as pending_separate,
        0 as completed_ytd,
        case when checks.is_open then 1 else 0 end as open_breaches,
        1 as total_breaches,
    from checks
    left join cases_current
        on checks.case_id = cases_current.case_id
    left join cases
        on checks.case_id = cases.case_id
    where checks.is_late
),

facts as (
    select * from pending_facts
    union all
    select * from completed_facts
    union all
    select * from breach_facts
),

final as (
    select
        facts.office_code,
        facts.officer_id,
        cast(sum(pending_with_conditions) as bigint) as pending_with_conditions,
        cast(sum(pending_without_conditions) as bigint) as pending_without_conditions,
        cast(sum(pending_separate) as bigint) as pending_separate,
        cast(sum(completed_ytd) as bigint) as completed_ytd,
        cast(sum(open_breaches) as bigint) as open_breaches,
        cast(sum(total_breaches) as bigint) as total_breaches,
        any_value(run_context.statistical_year) as statistical_year,
        any_value(run_context.as_of) as as_of,
    from facts
    cross join run_context
    group by facts.office_code, facts.officer_id
)

select * from final
