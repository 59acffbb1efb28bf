-- marts.deadline_breaches: one row per breach of a statutory deadline (metrics.md, "Statutory
-- deadlines"): the rule, its record keys, the case's current office, officer and status, the event that
-- started the clock, the due date, the step's date (NULL when not taken) and days_over.
-- Documented column by column in docs/marts-assets-deadlines.md.
with checks as (
    select * from intermediate.int_deadline_checks
),

cases_current as (
    select * from intermediate.int_case_current
),

cases as (
    select * from staging.stg_cases
),

late as (
    select * from checks
    where is_late
),

final as (
    select
        late.rule,
        late.case_id,
        late.asset_id,
        late.valuation_id,
        late.auction_id,
        coalesce(cases_current.office_code, cases.office_code) as office_code,
        coalesce(cases_current.officer_id, cases.officer_id) as officer_id,
        cases_current.status as case_status,
        late.asset_type,
        late.start_date,
        late.due_date,
        late.actual_date,
        late.days_over,
        late.is_open as open,
        late.stopped_date,
        late.stopped_by,
        late.law,
        late.provisional,
    from late
    left join cases_current
        on late.case_id = cases_current.case_id
    left join cases
        on late.case_id = cases.case_id
)

select * from final
