-- staging.stg_targets: completion-rate targets by statistical year, scope and (optionally) office.
-- office_code NULL = a province-wide target. Rates are percentages (83.90 = 83.90 %).
with targets as (
    select * from ref.targets
),

final as (
    select
        cast(trim(statistical_year) as integer) as statistical_year,
        trim(scope) as scope,
        nullif(trim(office_code), '') as office_code,
        cast(replace(trim(target_rate_cases), ',', '.') as double) as target_rate_cases,
        cast(replace(trim(target_rate_money), ',', '.') as double) as target_rate_money,
        source,
    from targets
    where nullif(trim(statistical_year), '') is not null
)

select * from final
