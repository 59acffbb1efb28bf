-- The province row of marts.asset_stuck_summary equals the sum of its offices (a case belongs to one
-- office, so even the per-case money adds up).
with summary as (
    select * from marts.asset_stuck_summary
),

offices as (
    select
        sum(assets) as assets,
        sum(pending_assets) as pending_assets,
        sum(sold_not_handed_over) as sold_not_handed_over,
        sum(stuck_assets) as stuck_assets,
        sum(stuck_value_locked) as stuck_value_locked,
        sum(stuck_cases) as stuck_cases,
        sum(stuck_cases_money_outstanding) as stuck_cases_money_outstanding,
    from summary
    where office_code <> 'ALL'
),

province as (
    select * from summary
    where office_code = 'ALL'
),

final as (
    select
        province.*,
    from province
    cross join offices
    where (province.assets, province.pending_assets, province.sold_not_handed_over, province.stuck_assets,
           province.stuck_value_locked, province.stuck_cases, province.stuck_cases_money_outstanding)
        is distinct from
          (offices.assets, offices.pending_assets, offices.sold_not_handed_over, offices.stuck_assets,
           offices.stuck_value_locked, offices.stuck_cases, offices.stuck_cases_money_outstanding)
)

select * from final
