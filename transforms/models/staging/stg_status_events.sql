-- staging.stg_status_events: the status history (diễn biến trạng thái), one row per event.
-- event_seq numbers a case's events in the order they happened: by event_date, and on the same day in
-- the order of the source file (a later row is a later event); source_file is a last tie-break only.
-- office_code is mapped to the current office (office_code_raw as written).
with status_events as (
    select * from raw.status_events
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
        trim(case_id) as case_id,
        trim(office_code) as office_code_raw,
        event_date,
        status,
        coalesce(has_reason, false) as has_reason,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from status_events
    where case_id is not null
),

final as (
    select
        cleaned.case_id,
        row_number() over (
            partition by cleaned.case_id
            order by cleaned.event_date, cleaned.source_row, cleaned.source_file
        ) as event_seq,
        cleaned.event_date,
        cleaned.status,
        cleaned.has_reason,
        coalesce(office_map.office_code, cleaned.office_code_raw) as office_code,
        cleaned.office_code_raw,
        cleaned.batch_date,
        cleaned.batch_office,
        cleaned.source_file,
        cleaned.source_row,
    from cleaned
    left join office_map
        on cleaned.office_code_raw = office_map.office_code_raw
)

select * from final
