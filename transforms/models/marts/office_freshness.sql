-- marts.office_freshness: per regional office and record type, the newest batch accepted from it and
-- whether the data is current on the run's as-of date (metrics.md, "data freshness"). Offices are the
-- current offices of agencies.csv plus any other code that sent a batch; record types are the seven of
-- the data contract. Documented column by column in docs/marts-assets-deadlines.md.
with batches as (
    select * from intermediate.int_office_batches
),

offices as (
    select * from staging.stg_offices
),

run_context as (
    select * from ref.run_context
),

record_types as (
    select * from (
        values (1, 'cases'), (2, 'status_events'), (3, 'payments'), (4, 'assets'), (5, 'valuations'),
            (6, 'auctions'), (7, 'complaints')
    ) as t(record_type_order, record_type)
),

all_offices as (
    select office_code from offices
    union
    select office_code from batches
),

per_office_type as (
    select
        office_code,
        record_type,
        -- 'standing': an earlier night's accepted file still in use (tonight's was missing or rejected)
        max(batch_date) filter (where status in ('accepted', 'standing')) as newest_accepted_batch_date,
        max(batch_date) filter (where status in ('accepted', 'rejected')) as newest_sent_batch_date,
        max(batch_date) filter (where status = 'rejected') as newest_rejected_batch_date,
        any_value(source) as freshness_source,
    from batches
    group by office_code, record_type
),

grid as (
    select
        all_offices.office_code,
        record_types.record_type,
        record_types.record_type_order,
    from all_offices
    cross join record_types
),

final as (
    select
        grid.office_code,
        grid.record_type,
        p.newest_accepted_batch_date,
        p.newest_sent_batch_date,
        p.newest_rejected_batch_date,
        run_context.as_of - p.newest_accepted_batch_date as days_behind,
        p.newest_accepted_batch_date is null as missing,
        coalesce(p.newest_accepted_batch_date < run_context.as_of, true) as stale,
        coalesce(p.freshness_source, (select any_value(source) from batches)) as freshness_source,
        run_context.as_of,
    from grid
    cross join run_context
    left join per_office_type as p
        on grid.office_code = p.office_code
        and grid.record_type = p.record_type
    order by grid.office_code, grid.record_type_order
)

select * from final
