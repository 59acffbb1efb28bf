-- marts.complaint_cases: the pending cases (open or in the separate register) that have a complaint
-- unresolved on the as-of date, one row per case, with the case's age and the oldest unresolved
-- complaint's. Documented column by column in docs/marts-assets-deadlines.md.
with complaints as (
    select * from intermediate.int_complaints
),

cases_current as (
    select * from intermediate.int_case_current
),

run_context as (
    select * from ref.run_context
),

unresolved as (
    select
        complaints.case_id,
        count(*) as unresolved_complaints,
        count(*) filter (where complaints.escalated) as unresolved_escalated,
        min(complaints.received_date) as oldest_complaint_received_date,
    from complaints
    cross join run_context
    where complaints.case_id is not null
        and complaints.received_date <= run_context.as_of
        and (complaints.resolved_date is null or complaints.resolved_date > run_context.as_of)
    group by complaints.case_id
),

final as (
    select
        cases_current.case_id,
        cases_current.office_code,
        cases_current.officer_id,
        cases_current.status as case_status,
        cases_current.condition_class,
        cases_current.received_date,
        cases_current.age_days,
        cases_current.age_bucket,
        unresolved.unresolved_complaints,
        unresolved.unresolved_escalated,
        unresolved.oldest_complaint_received_date,
        run_context.as_of - unresolved.oldest_complaint_received_date as oldest_complaint_age_days,
        cases_current.money_outstanding,
    from unresolved
    inner join cases_current
        on unresolved.case_id = cases_current.case_id
    cross join run_context
    where cases_current.is_pending
)

select * from final
