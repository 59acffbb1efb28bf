-- intermediate.int_case_current: every case received on or before the as-of date, as it stands on
-- that date: status (from int_case_status_intervals), its class, age, money paid, written down and
-- outstanding. Pending = open or in the separate register (backlog ageing); age_days and age_bucket
-- are set for pending cases only.
-- Each row depends on its own case's rows only: a build recomputes just the offices whose cases changed
-- (transforms/reuse.py).
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

status_classes as (
    select * from staging.stg_status_classes
),

age_buckets as (
    select * from intermediate.int_age_buckets
),

run_context as (
    select * from ref.run_context
),

received as (
    select
        cases.*,
        run_context.as_of,
    from cases
    cross join run_context
    where cases.received_date <= run_context.as_of
),

status_on_as_of as (
    select
        intervals.case_id,
        intervals.status,
        intervals.valid_from as status_date,
    from intervals
    cross join run_context
    where intervals.valid_from <= run_context.as_of
        and (intervals.valid_to > run_context.as_of or intervals.valid_to is null)
),

payments_to_date as (
    select
        payments.case_id,
        cast(coalesce(sum(payments.amount) filter (where payments.is_recovery), 0) as bigint) as money_paid_to_date,
        cast(coalesce(sum(payments.amount) filter (where not payments.is_recovery), 0) as bigint)
            as money_exempted_to_date,
    from payments
    cross join run_context
    where payments.payment_date <= run_context.as_of
    group by payments.case_id
),

joined as (
    select
        received.case_id,
        received.office_code,
        received.officer_id,
        received.judgment_type,
        received.initiation,
        received.credit_case,
        received.credit_institution_canonical,
        received.obligor_key,
        received.received_date,
        status_on_as_of.status,
        status_on_as_of.status_date,
        status_classes.condition_class,
        status_classes.is_open,
        status_classes.is_separate,
        status_classes.is_open or status_classes.is_separate as is_pending,
        received.as_of - received.received_date as days_since_received,
        received.amount_due,
        coalesce(payments_to_date.money_paid_to_date, 0) as money_paid_to_date,
        coalesce(payments_to_date.money_exempted_to_date, 0) as money_exempted_to_date,
    from received
    left join status_on_as_of
        on received.case_id = status_on_as_of.case_id
    left join status_classes
        on status_on_as_of.status = status_classes.status
    left join payments_to_date
        on received.case_id = payments_to_date.case_id
),

final as (
    select
        case_id,
        office_code,
        officer_id,
        judgment_type,
        initiation,
        credit_case,
        credit_institution_canonical,
        obligor_key,
        received_date,
        status,
        status_date,
        condition_class,
        is_open,
        is_separate,
        is_pending,
        case when joined.is_pending then joined.days_since_received end as age_days,
        age_buckets.age_bucket,
        amount_due,
        money_paid_to_date,
        money_exempted_to_date,
        amount_due - money_paid_to_date - money_exempted_to_date as money_outstanding,
    from joined
    left join age_buckets
        on joined.is_pending
        and joined.days_since_received >= age_buckets.min_days
        and (joined.days_since_received <= age_buckets.max_days or age_buckets.max_days is null)
)

select * from final
