-- Every checked deadline has a due date (a clock outside the working-day calendar would silently go
-- unchecked otherwise), and the breach flags agree with the dates.
with checks as (
    select * from intermediate.int_deadline_checks
),

final as (
    select
        rule,
        case_id,
        asset_id,
        valuation_id,
        auction_id,
        start_date,
        due_date,
        actual_date,
        days_over,
        case
            when due_date is null then 'no due date: is the start date inside staging.stg_calendar?'
            when is_late and days_over <= 0 then 'late with days_over <= 0'
            when is_open and (actual_date is not null or stopped_date is not null)
                then 'open although taken or stopped'
            when actual_date is not null and stopped_date is not null then 'taken and stopped'
        end as problem,
    from checks
)

select * from final
where problem is not null
