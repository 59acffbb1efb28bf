-- staging.stg_valuations: valuations and re-valuations (thẩm định giá) of seized assets, typed and
-- cleaned; one row per valuation_id. `disputed` reads false when empty. Lineage kept for file order
-- (the latest valuation's last tie-break).
with valuations as (
    select * from raw.valuations
),

final as (
    select
        trim(valuation_id) as valuation_id,
        trim(asset_id) as asset_id,
        trim(office_code) as office_code,
        kind,
        contract_date,
        certificate_date,
        valid_until,
        value,
        valuer,
        coalesce(disputed, false) as disputed,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from valuations
    where valuation_id is not null
)

select * from final
