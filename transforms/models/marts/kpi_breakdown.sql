-- marts.kpi_breakdown: the columns of marts.kpi_period for the ytd and year periods, by initiation
-- (chủ động / theo đơn) and by judgment_type. One row per period x scope x office_code (ALL too) x
-- breakdown x breakdown_value present in the data. Columns documented in docs/marts.md.
with aggregates as (
    select * from intermediate.int_kpi_aggregates
    where breakdown in ('initiation', 'judgment_type')
),

targets as (
    select * from intermediate.int_kpi_targets
),

projection as (
    select * from intermediate.int_kpi_projection
),

final as (
    select
        aggregates.period_kind,
        aggregates.period_label,
        aggregates.period_start,
        aggregates.period_end,
        aggregates.statistical_year,
        aggregates.scope,
        aggregates.office_code,
        aggregates.breakdown,
        aggregates.breakdown_value,
        aggregates.carried_over,
        aggregates.new_cases,
        aggregates.handled,
        aggregates.entrusted,
        aggregates.withdrawn,
        aggregates.moved_to_separate,
        aggregates.to_enforce,
        aggregates.with_conditions,
        aggregates.without_conditions,
        aggregates.completed,
        aggregates.carried_forward,
        aggregates.rate_cases,
        aggregates.money_to_enforce,
        aggregates.money_with_conditions,
        aggregates.money_completed,
        aggregates.money_paid,
        aggregates.money_exempted,
        aggregates.money_closed_remainder,
        aggregates.money_carried_forward,
        aggregates.rate_money,
        aggregates.money_recovered,
        targets.target_rate_cases,
        targets.target_rate_money,
        targets.target_year,
        projection.projected_rate_cases,
        projection.projected_rate_money,
        projection.projected_completed,
        projection.projected_with_conditions,
        projection.projected_money_completed,
        projection.projected_money_with_conditions,
        projection.projection_method,
        projection.target_met_projected,
    from aggregates
    left join targets
        on aggregates.statistical_year = targets.statistical_year
        and aggregates.scope = targets.scope
        and aggregates.office_code = targets.office_code
    left join projection
        on aggregates.period_id = projection.period_id
        and aggregates.scope = projection.scope
        and aggregates.office_code = projection.office_code
        and aggregates.breakdown = projection.breakdown
        and aggregates.breakdown_value is not distinct from projection.breakdown_value
    order by period_kind, period_start, period_end, scope, office_code, breakdown, breakdown_value
)

select * from final
