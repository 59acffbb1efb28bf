-- intermediate.int_case_status_intervals: the status of every case over time, as intervals
-- [valid_from, valid_to) (valid_to exclusive; NULL = still in force). The status of a case on day d is
-- the one of the interval with valid_from <= d < coalesce(valid_to, infinity) (metrics.md, Periods):
--   * a case with events: one interval per event (events on the same day in file order; all but the
--     last of a day are zero-length, valid_from = valid_to, so they never answer "status on day d" but
--     still count as transitions in the case flow);
--   * before its first event a case is dang_thi_hanh: an implied interval from received_date when the
--     first event is later (interval_source = 'implied_before_first_event', a data-quality warning);
--   * a case with no events is dang_thi_hanh until its status_date, then its status
--     (interval_source 'implied_no_events' / 'case_status_no_events').
-- previous_status is the status of the interval before (NULL for the first).
with cases as (
    select * from staging.stg_cases
),

events as (
    select * from staging.stg_status_events
),

first_events as (
    select
        case_id,
        min(event_date) as first_event_date,
    from events
    group by case_id
),

from_events as (
    select
        events.case_id,
        events.event_seq as source_seq,
        events.status,
        events.event_date as valid_from,
        'event' as interval_source,
    from events
    inner join cases
        on events.case_id = cases.case_id
),

implied_before_first_event as (
    select
        cases.case_id,
        0 as source_seq,
        'dang_thi_hanh' as status,
        cases.received_date as valid_from,
        'implied_before_first_event' as interval_source,
    from cases
    inner join first_events
        on cases.case_id = first_events.case_id
    where first_events.first_event_date > cases.received_date
),

cases_without_events as (
    select cases.*
    from cases
    anti join first_events
        on cases.case_id = first_events.case_id
),

implied_no_events as (
    -- dang_thi_hanh from received_date until the status_date of a case whose status is another one
    select
        case_id,
        0 as source_seq,
        'dang_thi_hanh' as status,
        received_date as valid_from,
        'implied_no_events' as interval_source,
    from cases_without_events
    where status <> 'dang_thi_hanh'
        and status_date > received_date
),

case_status_no_events as (
    select
        case_id,
        1 as source_seq,
        status,
        case
            when status = 'dang_thi_hanh' then received_date
            else greatest(coalesce(status_date, received_date), received_date)
        end as valid_from,
        'case_status_no_events' as interval_source,
    from cases_without_events
),

all_intervals as (
    select * from from_events
    union all
    select * from implied_before_first_event
    union all
    select * from implied_no_events
    union all
    select * from case_status_no_events
),

sequenced as (
    select
        case_id,
        row_number() over (partition by case_id order by valid_from, source_seq) as interval_seq,
        status,
        valid_from,
        interval_source,
    from all_intervals
),

final as (
    select
        case_id,
        interval_seq,
        status,
        valid_from,
        lead(valid_from) over (partition by case_id order by interval_seq) as valid_to,
        lag(status) over (partition by case_id order by interval_seq) as previous_status,
        interval_source,
    from sequenced
)

select * from final
