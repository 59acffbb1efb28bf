-- intermediate.int_complaints: every complaint with the office that answers for it — the current office
-- of its case when it is tied to one (as every case figure is counted), else the office that received
-- it (mapped to the current code) — and its case's received date.
with complaints as (
    select * from staging.stg_complaints
),

cases as (
    select * from staging.stg_cases
),

final as (
    select
        complaints.complaint_id,
        complaints.case_id,
        coalesce(cases.office_code, complaints.office_code) as office_code,
        complaints.office_code as receiving_office_code,
        complaints.kind,
        complaints.received_date,
        complaints.resolved_date,
        complaints.escalated,
        cases.received_date as case_received_date,
    from complaints
    left join cases
        on complaints.case_id = cases.case_id
)

select * from final
