-- intermediate.int_case_period_kpi: the per-case facts behind every completion KPI (metrics.md,
-- "Official completion KPIs"), one row per KPI period and case that is handled in the period or has a
-- payment dated in it (money_recovered counts payments on any case of the scope).
-- Every flag and amount is computed from its own definition, so the identities between the aggregated
-- columns (checks/) test the classification rather than restate it:
--   carried_over        received before start, open on the day before start
--   is_new              received within the period, or in the separate register on the day before
--                       start and back to an open status within the period
--   status_at_end       the status on period_end; status_at_end_since the day it took effect
--   partly_done_entrusted  status at end uy_thac with a payment (any kind) dated within the period on
--                       or before the entrustment date
--   is_carried_forward  handled and open at the end
-- Money: outstanding_start = amount_due - payments dated before start.
-- office_code is the case's office: a build recomputes only the offices whose cases changed
-- (transforms/reuse.py; every row here depends on its own case's rows only).
-- partition_by: office_code
with cases as (
    select * from staging.stg_cases
),

intervals as (
    select * from intermediate.int_case_status_intervals
),

payments as (
    select * from staging.stg_payments
),

periods as (
    select * from intermediate.int_periods
    where purpose = 'kpi'
),

status_classes as (
    select * from staging.stg_status_classes
),

open_or_separate as (
    select status from status_classes
    where is_open or is_separate
),

status_before_start as (
    -- cases open or in the separate register on the day before start (others cannot be carried over)
    select
        periods.period_id,
        intervals.case_id,
        intervals.status as status_before_start,
    from intervals
    inner join periods
        on intervals.valid_from <= periods.day_before_start
        and coalesce(intervals.valid_to, date '9999-12-31') > periods.day_before_start
    where intervals.status in (select status from open_or_separate)
),

received_in_period as (
    select
        periods.period_id,
        cases.case_id,
    from cases
    inner join periods
        on cases.received_date between periods.period_start and periods.period_end
),

paid_in_period as (
    select distinct
        periods.period_id,
        payments.case_id,
    from payments
    inner join periods
        on payments.payment_date between periods.period_start and periods.period_end
),

candidates as (
    select period_id, case_id from status_before_start
    union
    select period_id, case_id from received_in_period
    union
    select period_id, case_id from paid_in_period
),

with_period as (
    select
        candidates.period_id,
        candidates.case_id,
        cases.office_code,
        periods.period_start,
        periods.period_end,
        cases.received_date,
        cases.amount_due,
        status_before_start.status_before_start,
    from candidates
    inner join periods
        on candidates.period_id = periods.period_id
    inner join cases
        on candidates.case_id = cases.case_id
    left join status_before_start
        on candidates.period_id = status_before_start.period_id
        and candidates.case_id = status_before_start.case_id
),

status_at_end as (
    select
        with_period.period_id,
        with_period.case_id,
        intervals.status as status_at_end,
        intervals.valid_from as status_at_end_since,
    from with_period
    inner join intervals
        on with_period.case_id = intervals.case_id
        and intervals.valid_from <= with_period.period_end
        and coalesce(intervals.valid_to, date '9999-12-31') > with_period.period_end
),

back_from_separate as (
    -- in the separate register the day before start, and an event into an open status in the period
    select distinct
        with_period.period_id,
        with_period.case_id,
    from with_period
    inner join intervals
        on with_period.case_id = intervals.case_id
        and intervals.valid_from between with_period.period_start and with_period.period_end
    inner join status_classes
        on intervals.status = status_classes.status
    where with_period.status_before_start = 'theo_doi_rieng'
        and status_classes.is_open
),

classified as (
    select
        with_period.*,
        status_at_end.status_at_end,
        status_at_end.status_at_end_since,
        coalesce(with_period.received_date < with_period.period_start
            and open_classes.is_open, false) as carried_over,
        (with_period.received_date between with_period.period_start and with_period.period_end)
            or back_from_separate.case_id is not null as is_new,
    from with_period
    left join status_at_end
        on with_period.period_id = status_at_end.period_id
        and with_period.case_id = status_at_end.case_id
    left join status_classes as open_classes
        on with_period.status_before_start = open_classes.status
    left join back_from_separate
        on with_period.period_id = back_from_separate.period_id
        and with_period.case_id = back_from_separate.case_id
),

payment_sums as (
    select
        classified.period_id,
        classified.case_id,
        cast(coalesce(sum(payments.amount) filter (where payments.payment_date < classified.period_start), 0) as bigint)
            as paid_before_start,
        cast(coalesce(sum(payments.amount) filter (
            where payments.payment_date >= classified.period_start and payments.is_recovery), 0) as bigint)
            as recovered_in_period,
        cast(coalesce(sum(payments.amount) filter (
            where payments.payment_date >= classified.period_start and not payments.is_recovery), 0) as bigint)
            as exempted_in_period,
        cast(coalesce(sum(payments.amount) filter (
            where payments.payment_date >= classified.period_start
                and payments.payment_date <= classified.status_at_end_since
                and payments.is_recovery), 0) as bigint)
            as recovered_until_end_status,
        cast(coalesce(sum(payments.amount) filter (
            where payments.payment_date >= classified.period_start
                and payments.payment_date <= classified.status_at_end_since
                and not payments.is_recovery), 0) as bigint)
            as exempted_until_end_status,
        count(*) filter (
            where payments.payment_date >= classified.period_start
                and payments.payment_date <= classified.status_at_end_since)
            as payments_until_end_status,
    from classified
    inner join payments
        on classified.case_id = payments.case_id
        and payments.payment_date <= classified.period_end
    group by classified.period_id, classified.case_id
),

flagged as (
    select
        classified.period_id,
        classified.case_id,
        classified.office_code,
        classified.carried_over,
        classified.is_new,
        classified.carried_over or classified.is_new as is_handled,
        classified.status_before_start,
        classified.status_at_end,
        classified.status_at_end_since,
        end_classes.is_open as open_at_end,
        end_classes.counts_with_conditions as end_counts_with_conditions,
        end_classes.counts_without_conditions as end_counts_without_conditions,
        end_classes.counts_completed as end_counts_completed,
        (classified.carried_over or classified.is_new)
            and classified.status_at_end = 'uy_thac'
            and coalesce(payment_sums.payments_until_end_status, 0) > 0 as partly_done_entrusted,
        classified.amount_due,
        classified.amount_due - coalesce(payment_sums.paid_before_start, 0) as outstanding_start,
        coalesce(payment_sums.recovered_in_period, 0) as recovered_in_period,
        coalesce(payment_sums.exempted_in_period, 0) as exempted_in_period,
        case when classified.status_at_end = 'uy_thac'
            then coalesce(payment_sums.recovered_until_end_status, 0) else 0 end as recovered_before_entrustment,
        case when classified.status_at_end = 'uy_thac'
            then coalesce(payment_sums.exempted_until_end_status, 0) else 0 end as exempted_before_entrustment,
    from classified
    left join status_classes as end_classes
        on classified.status_at_end = end_classes.status
    left join payment_sums
        on classified.period_id = payment_sums.period_id
        and classified.case_id = payment_sums.case_id
),

counted as (
    select
        flagged.*,
        is_handled and status_at_end = 'uy_thac' and not partly_done_entrusted as is_entrusted,
        is_handled and status_at_end = 'thu_hoi' as is_withdrawn,
        is_handled and status_at_end = 'theo_doi_rieng' as is_moved_to_separate,
        is_handled and (open_at_end or end_counts_completed or partly_done_entrusted) as is_to_enforce,
        is_handled and (end_counts_with_conditions or partly_done_entrusted) as is_with_conditions,
        is_handled and end_counts_without_conditions as is_without_conditions,
        is_handled and (end_counts_completed or partly_done_entrusted) as is_completed,
        is_handled and open_at_end as is_carried_forward,
        is_handled and end_counts_completed as is_closed_completed,
    from flagged
),

final as (
    select
        period_id,
        case_id,
        office_code,
        carried_over,
        is_new,
        is_handled,
        status_before_start,
        status_at_end,
        status_at_end_since,
        partly_done_entrusted,
        is_entrusted,
        is_withdrawn,
        is_moved_to_separate,
        is_to_enforce,
        is_with_conditions,
        is_without_conditions,
        is_completed,
        is_carried_forward,
        amount_due,
        outstanding_start,
        recovered_in_period,
        exempted_in_period,
        case
            when not is_to_enforce then 0
            when partly_done_entrusted then recovered_before_entrustment + exempted_before_entrustment
            else outstanding_start
        end as money_to_enforce,
        case
            when not is_with_conditions then 0
            when partly_done_entrusted then recovered_before_entrustment + exempted_before_entrustment
            else outstanding_start
        end as money_with_conditions,
        case
            when not is_with_conditions then 0
            when is_closed_completed then outstanding_start
            when partly_done_entrusted then recovered_before_entrustment + exempted_before_entrustment
            else recovered_in_period + exempted_in_period
        end as money_completed,
        case
            when not is_with_conditions then 0
            when partly_done_entrusted then recovered_before_entrustment
            else recovered_in_period
        end as money_paid,
        case
            when not is_with_conditions then 0
            when partly_done_entrusted then exempted_before_entrustment
            else exempted_in_period
        end as money_exempted,
        case
            when is_closed_completed then outstanding_start - recovered_in_period - exempted_in_period
            else 0
        end as money_closed_remainder,
        -- what stays to enforce on a case open at the end: with conditions, outstanding_start less the
        -- payments of the period (all credited to money_completed); without conditions the payments
        -- of the period are not credited (money_completed counts with-conditions cases only), so
        -- outstanding_start stays whole.
        case
            when not is_carried_forward then 0
            when is_with_conditions then outstanding_start - recovered_in_period - exempted_in_period
            else outstanding_start
        end as money_carried_forward,
        recovered_in_period as money_recovered,
    from counted
)

select * from final
