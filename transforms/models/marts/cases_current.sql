-- marts.cases_current: one row per case received on or before the as-of date, as it stands on that
-- date (status from the status history, money from the payments); assets = seized assets on record,
-- open_breaches = its statutory-deadline breaches still accruing (marts.deadline_breaches, open).
-- Columns documented in docs/marts.md.
with current_cases as (
    select * from intermediate.int_case_current
),

assets as (
    select * from staging.stg_assets
),

deadline_breaches as (
    select * from marts.deadline_breaches
),

asset_counts as (
    select
        case_id,
        count(*) as assets,
    from assets
    group by case_id
),

open_breach_counts as (
    select
        case_id,
        count(*) as open_breaches,
    from deadline_breaches
    where open
    group by case_id
),

final as (
    select
        current_cases.case_id,
        current_cases.office_code,
        current_cases.officer_id,
        current_cases.judgment_type,
        current_cases.initiation,
        current_cases.credit_case,
        current_cases.credit_institution_canonical,
        current_cases.obligor_key,
        current_cases.received_date,
        current_cases.status,
        current_cases.status_date,
        current_cases.condition_class,
        current_cases.age_days,
        current_cases.age_bucket,
        current_cases.amount_due,
        current_cases.money_paid_to_date,
        current_cases.money_exempted_to_date,
        current_cases.money_outstanding,
        coalesce(asset_counts.assets, 0) as assets,
        coalesce(open_breach_counts.open_breaches, 0) as open_breaches,
    from current_cases
    left join asset_counts
        on current_cases.case_id = asset_counts.case_id
    left join open_breach_counts
        on current_cases.case_id = open_breach_counts.case_id
    order by current_cases.case_id
)

select * from final
