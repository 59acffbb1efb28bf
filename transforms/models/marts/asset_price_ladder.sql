-- marts.asset_price_ladder: every auction round of every seized asset, in round order, with the cut of
-- its starting price against the previous round and against the first (for price-ladder charts).
-- Documented column by column in docs/marts-assets-deadlines.md.
with rounds as (
    select * from intermediate.int_asset_rounds
),

assets as (
    select * from marts.asset_pipeline
),

final as (
    select
        rounds.asset_id,
        rounds.round_no,
        rounds.round_seq,
        rounds.auction_id,
        assets.case_id,
        assets.office_code,
        assets.asset_type,
        rounds.contract_date,
        rounds.auction_date,
        rounds.starting_price,
        rounds.outcome,
        rounds.sale_price,
        rounds.cut_pct,
        rounds.cumulative_cut_pct,
        assets.stuck,
    from rounds
    inner join assets
        on rounds.asset_id = assets.asset_id
)

select * from final
