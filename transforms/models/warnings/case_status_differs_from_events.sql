-- warning: cases whose `status` in the cases file is not the status of their last status event; the
-- events win (docs/validation-rules.md, "row loaded"). One row per case.
with cases as (
    select * from staging.stg_cases
),

events as (
    select * from staging.stg_status_events
),

last_events as (
    select
        case_id,
        arg_max(status, event_seq) as last_event_status,
        max(event_date) as last_event_date,
    from events
    group by case_id
),

final as (
    select
        cases.case_id,
        cases.office_code,
        cases.status,
        cases.status_date,
        last_events.last_event_status,
        last_events.last_event_date,
    from cases
    inner join last_events
        on cases.case_id = last_events.case_id
    where cases.status is distinct from last_events.last_event_status
    order by cases.office_code, cases.case_id
)

select * from final
