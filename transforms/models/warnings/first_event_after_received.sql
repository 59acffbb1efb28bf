-- warning: cases whose status history starts after their received_date; they are read as
-- dang_thi_hanh until the first event (metrics.md, Periods). One row per case.
with intervals as (
    select * from intermediate.int_case_status_intervals
),

cases as (
    select * from staging.stg_cases
),

final as (
    select
        cases.case_id,
        cases.office_code,
        cases.received_date,
        intervals.valid_to as first_event_date,
        cases.source_file,
        cases.source_row,
    from intervals
    inner join cases
        on intervals.case_id = cases.case_id
    where intervals.interval_source = 'implied_before_first_event'
    order by cases.office_code, cases.case_id
)

select * from final
