-- marts.credit_institutions: credit and banking cases per credit institution (canonical name from
-- credit_institutions.csv; an unknown spelling is its own row, credit_institution_known = false), for the
-- as-of ytd period and the 4 previous statistical years; province-wide. Figures come from the credit
-- scope of int_kpi_aggregates (so they add up to the credit rows of marts.kpi_period); pending and stuck
-- assets come from marts.asset_pipeline and are as of the as-of date on every period's row.
-- Columns documented in docs/marts.md.
with aggregates as (
    select * from intermediate.int_kpi_aggregates
    where is_as_of_ytd or period_kind = 'year'
),

cases as (
    select * from staging.stg_cases
),

institutions as (
    select
        credit_institution_canonical,
        bool_or(credit_institution_known) as credit_institution_known,
    from cases
    where credit_case
    group by credit_institution_canonical
),

asset_pipeline as (
    select * from marts.asset_pipeline
),

institution_assets as (
    -- as of the as-of date, whatever the period: seized assets of the institution's credit cases
    select
        cases.credit_institution_canonical,
        count(*) filter (where not asset_pipeline.disposed) as pending_assets,
        count(*) filter (where asset_pipeline.stuck) as stuck_assets,
    from asset_pipeline
    inner join cases
        on asset_pipeline.case_id = cases.case_id
    where cases.credit_case
    group by cases.credit_institution_canonical
),

by_institution as (
    select * from aggregates
    where breakdown = 'credit_institution'
),

province_all as (
    select * from aggregates
    where breakdown = 'total'
        and scope = 'all'
        and office_code = 'ALL'
),

final as (
    select
        by_institution.period_kind,
        by_institution.period_label,
        by_institution.period_start,
        by_institution.period_end,
        by_institution.statistical_year,
        by_institution.breakdown_value as credit_institution,
        institutions.credit_institution_known,
        by_institution.to_enforce as cases,
        by_institution.money_to_enforce,
        by_institution.money_completed,
        by_institution.rate_money,
        by_institution.money_recovered,
        cast(by_institution.to_enforce as double) * 100 / nullif(province_all.to_enforce, 0) as share_of_all_cases,
        cast(by_institution.money_to_enforce as double) * 100 / nullif(province_all.money_to_enforce, 0)
            as share_of_all_money,
        coalesce(institution_assets.pending_assets, 0) as pending_assets,
        coalesce(institution_assets.stuck_assets, 0) as stuck_assets,
    from by_institution
    left join province_all
        on by_institution.period_id = province_all.period_id
    left join institutions
        on by_institution.breakdown_value is not distinct from institutions.credit_institution_canonical
    left join institution_assets
        on by_institution.breakdown_value is not distinct from institution_assets.credit_institution_canonical
    order by by_institution.period_kind, by_institution.period_end, by_institution.money_to_enforce desc
)

select * from final
