-- marts.backlog_ageing: pending cases on the as-of date by age (NJDG style; CourTools measure 4).
-- Pending: received on or before the as-of date and open on it, plus cases in the separate register.
-- One row per scope (all, credit) x office_code (ALL = the province, and every office) x
-- condition_class (with, without, separate) x age_bucket (0-6m .. 10y+): a dense grid, zeros included.
-- Columns documented in docs/marts.md.
with current_cases as (
    select * from intermediate.int_case_current
    where is_pending
),

age_buckets as (
    select * from intermediate.int_age_buckets
),

offices as (
    select * from staging.stg_offices
),

run_context as (
    select * from ref.run_context
),

scopes as (
    select * from (values ('all', 1), ('credit', 2)) as t(scope, scope_order)
),

condition_classes as (
    select * from (values ('with', 1), ('without', 2), ('separate', 3)) as t(condition_class, class_order)
),

scoped as (
    select
        current_cases.*,
        scopes.scope,
    from current_cases
    inner join scopes
        on scopes.scope = 'all' or current_cases.credit_case
),

grouped as (
    select
        scope,
        coalesce(office_code, 'ALL') as office_code,
        condition_class,
        age_bucket,
        count(*) as cases,
        cast(sum(money_outstanding) as bigint) as money_outstanding,
    from scoped
    group by grouping sets ((scope, office_code, condition_class, age_bucket), (scope, condition_class, age_bucket))
),

grid as (
    select
        scopes.scope,
        scopes.scope_order,
        grid_offices.office_code,
        condition_classes.condition_class,
        condition_classes.class_order,
        age_buckets.age_bucket,
        age_buckets.bucket_order,
    from scopes
    cross join (
        select 'ALL' as office_code
        union
        select office_code from offices
        union
        select distinct office_code from current_cases
    ) as grid_offices
    cross join condition_classes
    cross join age_buckets
),

final as (
    select
        run_context.as_of,
        grid.scope,
        grid.office_code,
        grid.condition_class,
        grid.age_bucket,
        coalesce(grouped.cases, 0) as cases,
        coalesce(grouped.money_outstanding, 0) as money_outstanding,
    from grid
    cross join run_context
    left join grouped
        on grid.scope = grouped.scope
        and grid.office_code = grouped.office_code
        and grid.condition_class = grouped.condition_class
        and grid.age_bucket = grouped.age_bucket
    order by grid.scope_order, grid.office_code, grid.class_order, grid.bucket_order
)

select * from final
