-- staging.stg_complaints: complaints and denunciations (khiếu nại, tố cáo), typed and cleaned; one row
-- per complaint_id. case_id is NULL for a complaint not tied to one case. office_code is the current
-- regional office the written code maps to (agencies.csv, as in stg_cases); office_code_raw as written.
with complaints as (
    select * from raw.complaints
),

agencies as (
    select * from ref.agencies
),

office_map as (
    select
        trim(office_code) as office_code_raw,
        trim(maps_to_office_code) as office_code,
    from agencies
    where nullif(trim(maps_to_office_code), '') is not null
),

cleaned as (
    select
        trim(complaint_id) as complaint_id,
        nullif(trim(case_id), '') as case_id,
        trim(office_code) as office_code_raw,
        kind,
        received_date,
        resolved_date,
        coalesce(escalated, false) as escalated,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from complaints
    where complaint_id is not null
),

final as (
    select
        cleaned.complaint_id,
        cleaned.case_id,
        coalesce(office_map.office_code, cleaned.office_code_raw) as office_code,
        cleaned.office_code_raw,
        cleaned.kind,
        cleaned.received_date,
        cleaned.resolved_date,
        cleaned.escalated,
        cleaned.batch_date,
        cleaned.batch_office,
        cleaned.source_file,
        cleaned.source_row,
    from cleaned
    left join office_map
        on cleaned.office_code_raw = office_map.office_code_raw
)

select * from final
