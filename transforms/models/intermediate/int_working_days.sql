-- intermediate.int_working_days: the calendar numbered for deadline arithmetic.
-- working_day_no counts the working days up to and including `date`, so the N-th working day after a
-- day d is the working day numbered (working_day_no of d) + N, whether d itself is a working day or
-- not; next_working_day is the first working day on or after `date` (Civil Code 2015, Art. 148: a
-- period in calendar days that ends on a day off ends on the next working day).
with calendar as (
    select * from staging.stg_calendar
),

numbered as (
    select
        date,
        is_working_day,
        cast(sum(case when is_working_day then 1 else 0 end)
            over (order by date rows between unbounded preceding and current row) as integer)
            as working_day_no,
    from calendar
),

with_next as (
    select
        *,
        min(case when is_working_day then date end)
            over (order by date rows between current row and unbounded following) as next_working_day,
    from numbered
),

final as (
    select
        date,
        is_working_day,
        working_day_no,
        next_working_day,
    from with_next
)

select * from final
