-- intermediate.int_case_closing_events: every transition of a case into a closed status (xong,
-- dinh_chi, uy_thac, thu_hoi) from a status that is not closed (or as its first status), one row each:
-- a case that reopens and closes again has one row per closing (metrics.md, Case flow). Same-day
-- events count (a case closed and reopened on the same day closed once). A change from one closed status
-- to another is not a new closing. days_to_close = closed_on - received_date; is_completion when the
-- closing status is xong or dinh_chi (time to disposition, CourTools measure 3).
with intervals as (
    select * from intermediate.int_case_status_intervals
),

cases as (
    select * from staging.stg_cases
),

status_classes as (
    select * from staging.stg_status_classes
),

closings as (
    select
        intervals.case_id,
        intervals.interval_seq,
        intervals.status,
        intervals.valid_from as closed_on,
        new_class.counts_completed as is_completion,
    from intervals
    inner join status_classes as new_class
        on intervals.status = new_class.status
    left join status_classes as previous_class
        on intervals.previous_status = previous_class.status
    where new_class.is_closed
        and not coalesce(previous_class.is_closed, false)
),

final as (
    select
        closings.case_id,
        closings.interval_seq,
        cases.office_code,
        closings.status,
        closings.closed_on,
        cases.received_date,
        closings.closed_on - cases.received_date as days_to_close,
        closings.is_completion,
    from closings
    inner join cases
        on closings.case_id = cases.case_id
)

select * from final
