-- marts.asset_stuck_summary: per office and for the province (`ALL`), the assets still in process, the
-- stuck ones (not disposed of, 3 or more failed rounds), the value locked in them (the sum of their
-- latest starting prices) and the money outstanding on their cases, each case counted once
-- (metrics.md, "Valuation and auction bottlenecks"). Documented in docs/marts-assets-deadlines.md.
with assets as (
    select * from marts.asset_pipeline
),

scopes as (
    select office_code as scope_office, * from assets
    union all
    select 'ALL' as scope_office, * from assets
),

asset_figures as (
    select
        scope_office as office_code,
        count(*) as assets,
        count(*) filter (where not disposed) as pending_assets,
        count(*) filter (where stage = 'da_ban') as sold_not_handed_over,
        count(*) filter (where stuck) as stuck_assets,
        cast(coalesce(sum(latest_starting_price) filter (where stuck), 0) as bigint) as stuck_value_locked,
    from scopes
    group by scope_office
),

stuck_cases as (
    select distinct
        scope_office,
        case_id,
        case_money_outstanding,
    from scopes
    where stuck
),

case_figures as (
    select
        scope_office as office_code,
        count(*) as stuck_cases,
        cast(coalesce(sum(case_money_outstanding), 0) as bigint) as stuck_cases_money_outstanding,
    from stuck_cases
    group by scope_office
),

final as (
    select
        asset_figures.office_code,
        asset_figures.assets,
        asset_figures.pending_assets,
        asset_figures.sold_not_handed_over,
        asset_figures.stuck_assets,
        asset_figures.stuck_value_locked,
        coalesce(case_figures.stuck_cases, 0) as stuck_cases,
        coalesce(case_figures.stuck_cases_money_outstanding, 0) as stuck_cases_money_outstanding,
    from asset_figures
    left join case_figures
        on asset_figures.office_code = case_figures.office_code
)

select * from final
