-- marts.asset_pipeline: one row per seized asset — where it stands in the valuation and auction
-- pipeline on the as-of date, how long it has been there, and what its case still owes (metrics.md,
-- "Valuation and auction bottlenecks"). Documented column by column in docs/marts-assets-deadlines.md.
with asset_status as (
    select * from intermediate.int_asset_status
),

cases_current as (
    select * from intermediate.int_case_current
),

cases as (
    select * from staging.stg_cases
),

final as (
    select
        asset_status.asset_id,
        asset_status.case_id,
        coalesce(cases_current.office_code, cases.office_code, asset_status.office_code) as office_code,
        coalesce(cases_current.officer_id, cases.officer_id) as officer_id,
        asset_status.asset_type,
        asset_status.is_collateral,
        asset_status.price_agreed,
        asset_status.seizure_date,
        asset_status.stage,
        asset_status.stage_start_date,
        asset_status.days_in_stage,
        asset_status.valuations,
        asset_status.revaluations,
        asset_status.disputed_valuations,
        asset_status.rounds,
        asset_status.failed_rounds,
        asset_status.first_starting_price,
        asset_status.latest_starting_price,
        asset_status.cumulative_reduction_pct,
        asset_status.stuck,
        asset_status.disposed,
        coalesce(cases_current.credit_case, cases.credit_case) as credit_case,
        cases_current.credit_institution_canonical as credit_institution,
        cases_current.status as case_status,
        cases_current.money_outstanding as case_money_outstanding,
    from asset_status
    left join cases_current
        on asset_status.case_id = cases_current.case_id
    left join cases
        on asset_status.case_id = cases.case_id
)

select * from final
