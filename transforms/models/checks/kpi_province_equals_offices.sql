-- check: the province row (office_code ALL) equals the sum of its offices for every additive column,
-- on marts.kpi_period and marts.kpi_breakdown (metrics.md, Identities). Returns the rows that differ.
with kpi_period as (
    select * from marts.kpi_period
),

kpi_breakdown as (
    select * from marts.kpi_breakdown
),

kpi_rows as (
    select 'kpi_period' as mart, period_kind, period_start, period_end, scope, office_code,
        '' as breakdown, '' as breakdown_value, * exclude (period_kind, period_start, period_end, scope, office_code),
    from kpi_period
    union all by name
    select 'kpi_breakdown' as mart, period_kind, period_start, period_end, scope, office_code,
        breakdown, coalesce(breakdown_value, '') as breakdown_value,
        * exclude (period_kind, period_start, period_end, scope, office_code, breakdown, breakdown_value),
    from kpi_breakdown
),

province as (
    select * from kpi_rows
    where office_code = 'ALL'
),

offices as (
    select
        mart, period_kind, period_start, period_end, scope, breakdown, breakdown_value,
        sum(carried_over) as carried_over,
        sum(new_cases) as new_cases,
        sum(handled) as handled,
        sum(entrusted) as entrusted,
        sum(withdrawn) as withdrawn,
        sum(moved_to_separate) as moved_to_separate,
        sum(to_enforce) as to_enforce,
        sum(with_conditions) as with_conditions,
        sum(without_conditions) as without_conditions,
        sum(completed) as completed,
        sum(carried_forward) as carried_forward,
        sum(money_to_enforce) as money_to_enforce,
        sum(money_with_conditions) as money_with_conditions,
        sum(money_completed) as money_completed,
        sum(money_paid) as money_paid,
        sum(money_exempted) as money_exempted,
        sum(money_closed_remainder) as money_closed_remainder,
        sum(money_carried_forward) as money_carried_forward,
        sum(money_recovered) as money_recovered,
    from kpi_rows
    where office_code <> 'ALL'
    group by all
),

final as (
    select
        province.mart, province.period_kind, province.period_label, province.scope,
        province.breakdown, province.breakdown_value,
        province.carried_over as province_carried_over, offices.carried_over as offices_carried_over,
        province.new_cases as province_new_cases, offices.new_cases as offices_new_cases,
        province.handled as province_handled, offices.handled as offices_handled,
        province.entrusted as province_entrusted, offices.entrusted as offices_entrusted,
        province.withdrawn as province_withdrawn, offices.withdrawn as offices_withdrawn,
        province.moved_to_separate as province_moved_to_separate, offices.moved_to_separate as offices_moved_to_separate,
        province.to_enforce as province_to_enforce, offices.to_enforce as offices_to_enforce,
        province.with_conditions as province_with_conditions, offices.with_conditions as offices_with_conditions,
        province.without_conditions as province_without_conditions, offices.without_conditions as offices_without_conditions,
        province.completed as province_completed, offices.completed as offices_completed,
        province.carried_forward as province_carried_forward, offices.carried_forward as offices_carried_forward,
        province.money_to_enforce as province_money_to_enforce, offices.money_to_enforce as offices_money_to_enforce,
        province.money_with_conditions as province_money_with_conditions, offices.money_with_conditions as offices_money_with_conditions,
        province.money_completed as province_money_completed, offices.money_completed as offices_money_completed,
        province.money_paid as province_money_paid, offices.money_paid as offices_money_paid,
        province.money_exempted as province_money_exempted, offices.money_exempted as offices_money_exempted,
        province.money_closed_remainder as province_money_closed_remainder, offices.money_closed_remainder as offices_money_closed_remainder,
        province.money_carried_forward as province_money_carried_forward, offices.money_carried_forward as offices_money_carried_forward,
        province.money_recovered as province_money_recovered, offices.money_recovered as offices_money_recovered,
    from province
    left join offices
        on province.mart = offices.mart
        and province.period_kind = offices.period_kind
        and province.period_start = offices.period_start
        and province.period_end = offices.period_end
        and province.scope = offices.scope
        and province.breakdown = offices.breakdown
        and province.breakdown_value = offices.breakdown_value
    where offices.mart is null and province.handled + province.money_recovered <> 0
        or province.carried_over <> offices.carried_over
        or province.new_cases <> offices.new_cases
        or province.handled <> offices.handled
        or province.entrusted <> offices.entrusted
        or province.withdrawn <> offices.withdrawn
        or province.moved_to_separate <> offices.moved_to_separate
        or province.to_enforce <> offices.to_enforce
        or province.with_conditions <> offices.with_conditions
        or province.without_conditions <> offices.without_conditions
        or province.completed <> offices.completed
        or province.carried_forward <> offices.carried_forward
        or province.money_to_enforce <> offices.money_to_enforce
        or province.money_with_conditions <> offices.money_with_conditions
        or province.money_completed <> offices.money_completed
        or province.money_paid <> offices.money_paid
        or province.money_exempted <> offices.money_exempted
        or province.money_closed_remainder <> offices.money_closed_remainder
        or province.money_carried_forward <> offices.money_carried_forward
        or province.money_recovered <> offices.money_recovered
)

select * from final
