-- staging.stg_assets: seized assets (tài sản kê biên), typed and cleaned; one row per asset_id.
-- Optional booleans read false when empty (data contract: an empty boolean cell is false). Lineage
-- kept for file order.
with assets as (
    select * from raw.assets
),

cleaned as (
    select
        trim(asset_id) as asset_id,
        trim(case_id) as case_id,
        trim(office_code) as office_code,
        asset_type,
        seizure_date,
        coalesce(price_agreed, false) as price_agreed,
        coalesce(is_collateral, false) as is_collateral,
        nullif(trim(disposition), '') as disposition,
        disposition_date,
        handover_date,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from assets
    where asset_id is not null
),

final as (
    select
        asset_id,
        case_id,
        office_code,
        asset_type,
        seizure_date,
        price_agreed,
        is_collateral,
        disposition,
        disposition_date,
        handover_date,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from cleaned
)

select * from final
