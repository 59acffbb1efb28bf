-- staging.stg_auctions: auction rounds (cuộc bán đấu giá) of seized assets, typed and cleaned; one row
-- per auction_id. outcome NULL = scheduled (contract signed, no result yet).
with auctions as (
    select * from raw.auctions
),

final as (
    select
        trim(auction_id) as auction_id,
        trim(asset_id) as asset_id,
        trim(office_code) as office_code,
        round_no,
        contract_date,
        auction_date,
        starting_price,
        nullif(trim(outcome), '') as outcome,
        sale_price,
        auction_org,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from auctions
    where auction_id is not null
)

select * from final
