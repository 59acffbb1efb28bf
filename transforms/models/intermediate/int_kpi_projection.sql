-- intermediate.int_kpi_projection: the year-end projection of the running statistical year, on the
-- as-of ytd rows of int_kpi_aggregates (every scope, office and breakdown) (metrics.md, "Targets and
-- projection").
--   seasonal_last_year: this year's ytd completed and with-conditions figures (cases and money) times
--     last year's ratio of its full-year figure to its figure on the same day of its year; used when
--     last year's same-day row has all four figures above 0.
--   share_of_year: otherwise. Completed cases and money, and the new cases' with-conditions figures,
--     are scaled by days in the year / days elapsed (what is still to come, at the pace so far);
--     carried-over cases' with-conditions figures are kept as they are.
-- A projected completed figure never exceeds its projected with-conditions figure (capped).
-- target_met_projected: both projected rates reach the row's targets (int_kpi_targets); NULL when a
-- target or a projected rate is missing (false as soon as one rate is known to fall short).
with aggregates as (
    select * from intermediate.int_kpi_aggregates
),

targets as (
    select * from intermediate.int_kpi_targets
),

run_context as (
    select * from ref.run_context
),

current_ytd as (
    select * from aggregates
    where is_as_of_ytd
),

previous_same_day as (
    select * from aggregates
    where is_previous_same_day_ytd
),

previous_year as (
    select aggregates.*
    from aggregates
    cross join run_context
    where aggregates.period_kind = 'year'
        and aggregates.statistical_year = run_context.statistical_year - 1
),

joined as (
    select
        current_ytd.*,
        cast(run_context.year_end - run_context.year_start + 1 as double)
            / cast(run_context.as_of - run_context.year_start + 1 as double) as year_scale,
        previous_same_day.completed as prev_sd_completed,
        previous_same_day.with_conditions as prev_sd_with_conditions,
        previous_same_day.money_completed as prev_sd_money_completed,
        previous_same_day.money_with_conditions as prev_sd_money_with_conditions,
        previous_year.completed as prev_year_completed,
        previous_year.with_conditions as prev_year_with_conditions,
        previous_year.money_completed as prev_year_money_completed,
        previous_year.money_with_conditions as prev_year_money_with_conditions,
        coalesce(
            previous_same_day.completed > 0
            and previous_same_day.with_conditions > 0
            and previous_same_day.money_completed > 0
            and previous_same_day.money_with_conditions > 0
            and previous_year.period_id is not null,
            false
        ) as has_last_year,
    from current_ytd
    cross join run_context
    left join previous_same_day
        on current_ytd.scope = previous_same_day.scope
        and current_ytd.office_code = previous_same_day.office_code
        and current_ytd.breakdown = previous_same_day.breakdown
        and current_ytd.breakdown_value is not distinct from previous_same_day.breakdown_value
    left join previous_year
        on current_ytd.scope = previous_year.scope
        and current_ytd.office_code = previous_year.office_code
        and current_ytd.breakdown = previous_year.breakdown
        and current_ytd.breakdown_value is not distinct from previous_year.breakdown_value
),

uncapped as (
    select
        period_id,
        scope,
        office_code,
        breakdown,
        breakdown_value,
        statistical_year,
        case when has_last_year then 'seasonal_last_year' else 'share_of_year' end as projection_method,
        case
            when has_last_year then completed * (cast(prev_year_completed as double) / prev_sd_completed)
            else completed * year_scale
        end as projected_completed,
        case
            when has_last_year
                then with_conditions * (cast(prev_year_with_conditions as double) / prev_sd_with_conditions)
            else with_conditions_carried_over + with_conditions_new * year_scale
        end as projected_with_conditions,
        case
            when has_last_year
                then money_completed * (cast(prev_year_money_completed as double) / prev_sd_money_completed)
            else money_completed * year_scale
        end as projected_money_completed,
        case
            when has_last_year
                then money_with_conditions
                    * (cast(prev_year_money_with_conditions as double) / prev_sd_money_with_conditions)
            else money_with_conditions_carried_over + money_with_conditions_new * year_scale
        end as projected_money_with_conditions,
    from joined
),

capped as (
    select
        * replace (
            least(projected_completed, projected_with_conditions) as projected_completed,
            least(projected_money_completed, projected_money_with_conditions) as projected_money_completed
        ),
    from uncapped
),

final as (
    select
        capped.period_id,
        capped.scope,
        capped.office_code,
        capped.breakdown,
        capped.breakdown_value,
        capped.projected_completed * 100 / nullif(capped.projected_with_conditions, 0) as projected_rate_cases,
        capped.projected_money_completed * 100 / nullif(capped.projected_money_with_conditions, 0)
            as projected_rate_money,
        capped.projected_completed,
        capped.projected_with_conditions,
        capped.projected_money_completed,
        capped.projected_money_with_conditions,
        capped.projection_method,
        capped.projected_completed * 100 / nullif(capped.projected_with_conditions, 0)
            >= targets.target_rate_cases
            and capped.projected_money_completed * 100 / nullif(capped.projected_money_with_conditions, 0)
            >= targets.target_rate_money as target_met_projected,
    from capped
    left join targets
        on capped.statistical_year = targets.statistical_year
        and capped.scope = targets.scope
        and capped.office_code = targets.office_code
)

select * from final
