-- intermediate.int_kpi_targets: the completion-rate target shown beside each KPI row, per statistical
-- year, scope and office (`ALL` included). The target of that year when there is one, otherwise the
-- latest known earlier one, labelled by target_year (metrics.md, Targets). An office row takes its own
-- target when targets.csv has one for it, else the province's; the scope must match (a credit row
-- shows a credit target only). No target up to that year: NULL.
with aggregates as (
    select * from intermediate.int_kpi_aggregates
),

targets as (
    select * from staging.stg_targets
),

keys as (
    select distinct
        statistical_year,
        scope,
        office_code,
    from aggregates
),

candidates as (
    select
        keys.statistical_year,
        keys.scope,
        keys.office_code,
        targets.statistical_year as target_year,
        targets.target_rate_cases,
        targets.target_rate_money,
        row_number() over (
            partition by keys.statistical_year, keys.scope, keys.office_code
            order by targets.statistical_year desc, (targets.office_code is not null) desc
        ) as preference,
    from keys
    inner join targets
        on targets.statistical_year <= keys.statistical_year
        and targets.scope = keys.scope
        and (targets.office_code = keys.office_code or targets.office_code is null)
),

final as (
    select
        statistical_year,
        scope,
        office_code,
        target_year,
        target_rate_cases,
        target_rate_money,
    from candidates
    where preference = 1
)

select * from final
