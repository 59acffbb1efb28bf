-- intermediate.int_case_closures: cases that are closed on the as-of date, and since when.
-- closed_since is the day the case entered its current closed spell: the first of the trailing run of
-- closed-status intervals (xong, dinh_chi, uy_thac, thu_hoi) in int_case_status_intervals, so a case
-- closed `xong` and later re-registered as `dinh_chi` has been closed since the first of the two, and a
-- case that closed, reopened and closed again counts from the last closing. Deadline clocks of steps
-- that were never taken stop on that day (metrics.md, "Statutory deadlines").
with intervals as (
    select * from intermediate.int_case_status_intervals
),

status_classes as (
    select * from staging.stg_status_classes
),

run_context as (
    select * from ref.run_context
),

to_as_of as (
    select
        intervals.case_id,
        intervals.interval_seq,
        intervals.status,
        intervals.valid_from,
        status_classes.is_closed,
    from intervals
    cross join run_context
    left join status_classes
        on intervals.status = status_classes.status
    where intervals.valid_from <= run_context.as_of
),

last_not_closed as (
    select
        case_id,
        max(interval_seq) as last_not_closed_seq,
    from to_as_of
    where not coalesce(is_closed, false)
    group by case_id
),

trailing_closed as (
    select
        to_as_of.case_id,
        min(to_as_of.valid_from) as closed_since,
        arg_max(to_as_of.status, to_as_of.interval_seq) as closed_status,
    from to_as_of
    left join last_not_closed
        on to_as_of.case_id = last_not_closed.case_id
    where to_as_of.is_closed
        and to_as_of.interval_seq > coalesce(last_not_closed.last_not_closed_seq, 0)
    group by to_as_of.case_id
),

final as (
    select
        case_id,
        closed_since,
        closed_status,
    from trailing_closed
)

select * from final
