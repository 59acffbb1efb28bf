-- check: to_enforce = with_conditions + without_conditions, on every row of marts.kpi_period and marts.kpi_breakdown (metrics.md,
-- Identities). Returns the rows where it does not hold.
with kpi_period as (
    select * from marts.kpi_period
),

kpi_breakdown as (
    select * from marts.kpi_breakdown
),

kpi_rows as (
    select
        'kpi_period' as mart, period_kind, period_label, scope, office_code,
        null as breakdown, null as breakdown_value, to_enforce, with_conditions, without_conditions,
    from kpi_period
    union all
    select
        'kpi_breakdown' as mart, period_kind, period_label, scope, office_code,
        breakdown, breakdown_value, to_enforce, with_conditions, without_conditions,
    from kpi_breakdown
),

final as (
    select * from kpi_rows
    where to_enforce <> with_conditions + without_conditions
)

select * from final
