-- intermediate.int_deadline_checks: every clock of int_deadline_clocks with its rule, due date and
-- lateness on the as-of date; late or not (marts.deadline_breaches keeps the late ones).
--
-- * The rule row is the one of staging.stg_deadline_rules for the rule and asset type whose validity
--   contains start_date (the event that starts the clock); a clock no row covers is not checked.
-- * due_date: `working_days` -> the N-th working day after start_date; `days` -> start_date + N, moved
--   to the next working day when that is a weekend or holiday (Civil Code 2015, Art. 148);
--   certificate_expired -> the certificate's valid_until as it stands (not moved: the certificate is
--   not valid after that day).
-- * Only what happened by the as-of date counts: a step or a stop dated later is ignored.
-- * stopped_date / stopped_by: for a step not taken, the earliest of the case's closing
--   (`case_closed`), the asset's disposition (`asset_disposed`) and the rule's own stop (`revaluation`),
--   where the rule says they apply.
-- * counted_to = actual_date, else stopped_date, else as_of; days_over = counted_to - due_date;
--   is_late when days_over > 0; is_open when the step is not taken and nothing stopped the clock.
with clocks as (
    select * from intermediate.int_deadline_clocks
),

rules as (
    select * from staging.stg_deadline_rules
),

working_days as (
    select * from intermediate.int_working_days
),

closures as (
    select * from intermediate.int_case_closures
),

assets as (
    select * from staging.stg_assets
),

run_context as (
    select * from ref.run_context
),

as_of_clocks as (
    select
        clocks.*,
        run_context.as_of,
        case when clocks.actual_date <= run_context.as_of then clocks.actual_date end as step_date,
    from clocks
    cross join run_context
    where clocks.start_date <= run_context.as_of
),

with_rule as (
    select
        as_of_clocks.*,
        rules.day_limit,
        rules.unit,
        rules.law,
        rules.provisional,
    from as_of_clocks
    inner join rules
        on as_of_clocks.rule = rules.rule
        and (rules.asset_type is null or rules.asset_type = as_of_clocks.asset_type)
        and as_of_clocks.start_date >= coalesce(rules.valid_from, date '0001-01-01')
        and as_of_clocks.start_date <= coalesce(rules.valid_to, date '9999-12-31')
),

with_due as (
    select
        with_rule.*,
        case with_rule.unit
            when 'working_days' then nth_working_day.date
            when 'days' then calendar_day.next_working_day
            else with_rule.fixed_due_date
        end as due_date,
    from with_rule
    left join working_days as start_day
        on with_rule.start_date = start_day.date
    left join working_days as nth_working_day
        on with_rule.unit = 'working_days'
        and nth_working_day.is_working_day
        and nth_working_day.working_day_no = start_day.working_day_no + with_rule.day_limit
    left join working_days as calendar_day
        on with_rule.unit = 'days'
        and calendar_day.date = with_rule.start_date + with_rule.day_limit
),

stops as (
    select
        with_due.*,
        case when with_due.stops_on_case_close and closures.closed_since <= with_due.as_of
            then closures.closed_since end as case_closed_date,
        case when with_due.stops_on_disposition and assets.disposition is not null
            and assets.disposition_date <= with_due.as_of
            then assets.disposition_date end as disposed_date,
        case when with_due.step_stop_date <= with_due.as_of
            then with_due.step_stop_date end as rule_stop_date,
    from with_due
    left join closures
        on with_due.case_id = closures.case_id
    left join assets
        on with_due.asset_id = assets.asset_id
),

stopped as (
    select
        stops.*,
        case when step_date is null
            then least(case_closed_date, disposed_date, rule_stop_date) end as stopped_date,
    from stops
),

counted as (
    select
        stopped.*,
        case
            when stopped_date is null then null
            when stopped_date = rule_stop_date then step_stopped_by
            when stopped_date = disposed_date then 'asset_disposed'
            else 'case_closed'
        end as stopped_by,
        coalesce(step_date, stopped_date, as_of) as counted_to,
    from stopped
),

final as (
    select
        rule,
        case_id,
        asset_id,
        valuation_id,
        auction_id,
        asset_type,
        start_date,
        day_limit,
        unit,
        due_date,
        step_date as actual_date,
        stopped_date,
        stopped_by,
        counted_to,
        counted_to - due_date as days_over,
        coalesce(counted_to - due_date > 0, false) as is_late,
        step_date is null and stopped_date is null as is_open,
        law,
        provisional,
    from counted
)

select * from final
