-- intermediate.int_office_batches: the batches that count for data freshness. raw.file_manifest is the
-- record of what ingest accepted, rejected or let stand; when the run has one (any row), it alone is
-- used; otherwise (a warehouse built from canonical files without a manifest) the rows' own lineage
-- tells which office's batch of which night each record came from.
with batches as (
    select * from staging.stg_batches
),

manifest_present as (
    select count(*) > 0 as has_manifest
    from batches
    where source = 'manifest'
),

final as (
    select
        batches.source,
        batches.office_code,
        batches.record_type,
        batches.batch_date,
        batches.status,
        batches.source_file,
        batches.rows_loaded,
    from batches
    cross join manifest_present
    where batches.source = case when manifest_present.has_manifest then 'manifest' else 'lineage' end
)

select * from final
