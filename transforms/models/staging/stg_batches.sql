-- staging.stg_batches: which office sent which record type on which night, from two sources:
-- * source 'manifest': raw.file_manifest as ingest wrote it (status accepted, rejected or standing);
-- * source 'lineage': the distinct (batch_office, batch_date) of the rows of each raw table, all of
--   them accepted (rows are only loaded from accepted files).
-- int_office_batches chooses between them. office_code is mapped to the current office (agencies.csv).
with file_manifest as (
    select * from raw.file_manifest
),

cases as (
    select * from raw.cases
),

status_events as (
    select * from raw.status_events
),

payments as (
    select * from raw.payments
),

assets as (
    select * from raw.assets
),

valuations as (
    select * from raw.valuations
),

auctions as (
    select * from raw.auctions
),

complaints as (
    select * from raw.complaints
),

agencies as (
    select * from ref.agencies
),

office_map as (
    select
        trim(office_code) as office_code_raw,
        trim(maps_to_office_code) as office_code,
    from agencies
    where nullif(trim(maps_to_office_code), '') is not null
),

from_manifest as (
    select
        'manifest' as source,
        trim(office_code) as office_code_raw,
        trim(record_type) as record_type,
        batch_date,
        lower(trim(status)) as status,
        source_file,
        rows_loaded,
    from file_manifest
),

from_lineage as (
    select 'lineage' as source, batch_office as office_code_raw, 'cases' as record_type, batch_date,
        'accepted' as status, any_value(source_file) as source_file, count(*) as rows_loaded,
    from cases group by batch_office, batch_date
    union all
    select 'lineage', batch_office, 'status_events', batch_date, 'accepted', any_value(source_file), count(*)
    from status_events group by batch_office, batch_date
    union all
    select 'lineage', batch_office, 'payments', batch_date, 'accepted', any_value(source_file), count(*)
    from payments group by batch_office, batch_date
    union all
    select 'lineage', batch_office, 'assets', batch_date, 'accepted', any_value(source_file), count(*)
    from assets group by batch_office, batch_date
    union all
    select 'lineage', batch_office, 'valuations', batch_date, 'accepted', any_value(source_file), count(*)
    from valuations group by batch_office, batch_date
    union all
    select 'lineage', batch_office, 'auctions', batch_date, 'accepted', any_value(source_file), count(*)
    from auctions group by batch_office, batch_date
    union all
    select 'lineage', batch_office, 'complaints', batch_date, 'accepted', any_value(source_file), count(*)
    from complaints group by batch_office, batch_date
),

all_batches as (
    select * from from_manifest
    union all
    select * from from_lineage
),

final as (
    select
        all_batches.source,
        coalesce(office_map.office_code, all_batches.office_code_raw) as office_code,
        all_batches.office_code_raw,
        all_batches.record_type,
        all_batches.batch_date,
        all_batches.status,
        all_batches.source_file,
        cast(all_batches.rows_loaded as bigint) as rows_loaded,
    from all_batches
    left join office_map
        on all_batches.office_code_raw = office_map.office_code_raw
    where all_batches.office_code_raw is not null
        and all_batches.batch_date is not null
)

select * from final
