-- Every event date and asset type picks at most one row of data/reference/deadline_rules.csv per rule,
-- and every limit is a whole number of `working_days` or `days` (certificate_expired alone has none).
with rules as (
    select
        *,
        row_number() over () as row_id,
    from staging.stg_deadline_rules
),

overlapping_rows as (
    select
        a.rule,
        coalesce(a.asset_type, '(all)') as asset_type,
        'two rows apply on the same dates: ' || coalesce(cast(a.valid_from as varchar), '…') || '–'
            || coalesce(cast(a.valid_to as varchar), '…') || ' and '
            || coalesce(cast(b.valid_from as varchar), '…') || '–'
            || coalesce(cast(b.valid_to as varchar), '…') as problem,
    from rules as a
    inner join rules as b
        on a.rule = b.rule
        and (a.asset_type is null or b.asset_type is null or a.asset_type = b.asset_type)
        and a.row_id < b.row_id
        and coalesce(a.valid_from, date '0001-01-01') <= coalesce(b.valid_to, date '9999-12-31')
        and coalesce(b.valid_from, date '0001-01-01') <= coalesce(a.valid_to, date '9999-12-31')
),

bad_limits as (
    select
        rule,
        coalesce(asset_type, '(all)') as asset_type,
        'limit ' || coalesce(cast(day_limit as varchar), 'empty') || ' ' || coalesce(unit, 'empty')
            || ' is not a whole number of working_days or days' as problem,
    from rules
    where rule <> 'certificate_expired'
        and (day_limit is null or day_limit < 0 or unit is null or unit not in ('working_days', 'days'))
),

bad_ranges as (
    select
        rule,
        coalesce(asset_type, '(all)') as asset_type,
        'valid_to is before valid_from' as problem,
    from rules
    where valid_to < valid_from
),

final as (
    select rule, asset_type, problem from overlapping_rows
    union all
    select rule, asset_type, problem from bad_limits
    union all
    select rule, asset_type, problem from bad_ranges
)

select * from final
