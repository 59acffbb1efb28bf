-- intermediate.int_kpi_aggregates: the completion KPIs of int_case_period_kpi summed per period, scope
-- (`all`, `credit`), office (`ALL` = the province, aggregated from the cases, not from the office rows)
-- and breakdown:
--   breakdown 'total'               every KPI period, every office and ALL (a dense grid: an office
--                                   without cases has a row of zeros)
--   'initiation', 'judgment_type'   ytd and year periods, every office and ALL
--   'credit_institution'            ytd and year periods, scope credit, province only
-- Helper columns for the projection split with-conditions figures into carried-over and new cases.
with facts as (
    select * from intermediate.int_case_period_kpi
),

cases as (
    select * from staging.stg_cases
),

periods as (
    select * from intermediate.int_periods
    where purpose = 'kpi'
),

offices as (
    select * from staging.stg_offices
),

scopes as (
    select * from (values ('all'), ('credit')) as t(scope)
),

measures as (
    -- one row per case, period and scope: its grouping columns, then every measure as a number that
    -- the aggregations below sum (a flag counts 1; a case outside a filter adds 0)
    select
        facts.period_id,
        scopes.scope,
        periods.period_kind,
        cases.office_code,
        cases.initiation,
        cases.judgment_type,
        cases.credit_institution_canonical,
        case when facts.carried_over then 1 else 0 end as carried_over,
        case when facts.is_new then 1 else 0 end as new_cases,
        case when facts.is_handled then 1 else 0 end as handled,
        case when facts.is_entrusted then 1 else 0 end as entrusted,
        case when facts.is_withdrawn then 1 else 0 end as withdrawn,
        case when facts.is_moved_to_separate then 1 else 0 end as moved_to_separate,
        case when facts.is_to_enforce then 1 else 0 end as to_enforce,
        case when facts.is_with_conditions then 1 else 0 end as with_conditions,
        case when facts.is_without_conditions then 1 else 0 end as without_conditions,
        case when facts.is_completed then 1 else 0 end as completed,
        case when facts.is_carried_forward then 1 else 0 end as carried_forward,
        facts.money_to_enforce,
        facts.money_with_conditions,
        facts.money_completed,
        facts.money_paid,
        facts.money_exempted,
        facts.money_closed_remainder,
        facts.money_carried_forward,
        facts.money_recovered,
        case when facts.is_with_conditions and facts.carried_over then 1 else 0 end
            as with_conditions_carried_over,
        case when facts.is_with_conditions and facts.is_new then 1 else 0 end as with_conditions_new,
        case when facts.carried_over then coalesce(facts.money_with_conditions, 0) else 0 end
            as money_with_conditions_carried_over,
        case when facts.is_new then coalesce(facts.money_with_conditions, 0) else 0 end
            as money_with_conditions_new,
    from facts
    inner join cases
        on facts.case_id = cases.case_id
    inner join periods
        on facts.period_id = periods.period_id
    inner join scopes
        on scopes.scope = 'all' or cases.credit_case
),

totals as (
    select
        period_id,
        scope,
        coalesce(office_code, 'ALL') as office_code,
        'total' as breakdown,
        cast(null as varchar) as breakdown_value,
        grouping(office_code) = 1 as is_province,
        cast(sum(columns(* exclude (period_id, scope, period_kind, office_code, initiation, judgment_type,
                                    credit_institution_canonical))) as bigint),
    from measures
    group by grouping sets ((period_id, scope, office_code), (period_id, scope))
),

breakdowns as (
    select
        period_id,
        scope,
        coalesce(office_code, 'ALL') as office_code,
        case
            when grouping(initiation) = 0 then 'initiation'
            when grouping(judgment_type) = 0 then 'judgment_type'
            else 'credit_institution'
        end as breakdown,
        coalesce(initiation, judgment_type, credit_institution_canonical) as breakdown_value,
        grouping(office_code) = 1 as is_province,
        cast(sum(columns(* exclude (period_id, scope, period_kind, office_code, initiation, judgment_type,
                                    credit_institution_canonical))) as bigint),
    from measures
    where period_kind in ('ytd', 'year')
    group by grouping sets (
        (period_id, scope, office_code, initiation),
        (period_id, scope, initiation),
        (period_id, scope, office_code, judgment_type),
        (period_id, scope, judgment_type),
        (period_id, scope, credit_institution_canonical)
    )
    having grouping(credit_institution_canonical) = 1 or scope = 'credit'
),

total_grid as (
    -- every KPI period x scope x (ALL, each current office, any other office holding cases)
    select
        periods.period_id,
        scopes.scope,
        grid_offices.office_code,
    from periods
    cross join scopes
    cross join (
        select 'ALL' as office_code
        union
        select office_code from offices
        union
        select distinct office_code from cases
    ) as grid_offices
),

dense_totals as (
    select
        total_grid.period_id,
        total_grid.scope,
        total_grid.office_code,
        'total' as breakdown,
        cast(null as varchar) as breakdown_value,
        total_grid.office_code = 'ALL' as is_province,
        coalesce(totals.carried_over, 0) as carried_over,
        coalesce(totals.new_cases, 0) as new_cases,
        coalesce(totals.handled, 0) as handled,
        coalesce(totals.entrusted, 0) as entrusted,
        coalesce(totals.withdrawn, 0) as withdrawn,
        coalesce(totals.moved_to_separate, 0) as moved_to_separate,
        coalesce(totals.to_enforce, 0) as to_enforce,
        coalesce(totals.with_conditions, 0) as with_conditions,
        coalesce(totals.without_conditions, 0) as without_conditions,
        coalesce(totals.completed, 0) as completed,
        coalesce(totals.carried_forward, 0) as carried_forward,
        coalesce(totals.money_to_enforce, 0) as money_to_enforce,
        coalesce(totals.money_with_conditions, 0) as money_with_conditions,
        coalesce(totals.money_completed, 0) as money_completed,
        coalesce(totals.money_paid, 0) as money_paid,
        coalesce(totals.money_exempted, 0) as money_exempted,
        coalesce(totals.money_closed_remainder, 0) as money_closed_remainder,
        coalesce(totals.money_carried_forward, 0) as money_carried_forward,
        coalesce(totals.money_recovered, 0) as money_recovered,
        coalesce(totals.with_conditions_carried_over, 0) as with_conditions_carried_over,
        coalesce(totals.with_conditions_new, 0) as with_conditions_new,
        coalesce(totals.money_with_conditions_carried_over, 0) as money_with_conditions_carried_over,
        coalesce(totals.money_with_conditions_new, 0) as money_with_conditions_new,
    from total_grid
    left join totals
        on total_grid.period_id = totals.period_id
        and total_grid.scope = totals.scope
        and total_grid.office_code = totals.office_code
),

combined as (
    select * from dense_totals
    union all by name
    select * from breakdowns
),

final as (
    select
        combined.period_id,
        periods.period_kind,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        periods.statistical_year,
        periods.is_as_of_ytd,
        periods.is_previous_same_day_ytd,
        combined.scope,
        combined.office_code,
        combined.is_province,
        combined.breakdown,
        combined.breakdown_value,
        combined.carried_over,
        combined.new_cases,
        combined.handled,
        combined.entrusted,
        combined.withdrawn,
        combined.moved_to_separate,
        combined.to_enforce,
        combined.with_conditions,
        combined.without_conditions,
        combined.completed,
        combined.carried_forward,
        cast(combined.completed as double) * 100 / nullif(combined.with_conditions, 0) as rate_cases,
        combined.money_to_enforce,
        combined.money_with_conditions,
        combined.money_completed,
        combined.money_paid,
        combined.money_exempted,
        combined.money_closed_remainder,
        combined.money_carried_forward,
        cast(combined.money_completed as double) * 100 / nullif(combined.money_with_conditions, 0) as rate_money,
        combined.money_recovered,
        combined.with_conditions_carried_over,
        combined.with_conditions_new,
        combined.money_with_conditions_carried_over,
        combined.money_with_conditions_new,
    from combined
    inner join periods
        on combined.period_id = periods.period_id
)

select * from final
