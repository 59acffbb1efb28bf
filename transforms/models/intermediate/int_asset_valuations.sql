-- intermediate.int_asset_valuations: every valuation of a seized asset, placed in the asset's order.
--
-- * `is_latest`: the asset's latest valuation (metrics.md: the latest certificate_date, then
--   contract_date, then file order). A valuation still waiting for its certificate is placed at its
--   contract date, so a re-valuation contracted after the last certificate is the latest one (the asset
--   is waiting for a valuation again), while an old contract that never got a certificate and was
--   overtaken by a later certificate is not.
-- * `next_valuation_contract_date`: the first contract of another valuation of the same asset signed
--   after this one's certificate (it stops this certificate's auction-contract clock).
with valuations as (
    select * from staging.stg_valuations
),

ordered as (
    select
        *,
        coalesce(certificate_date, contract_date) as placed_on,
        row_number() over (
            partition by asset_id
            order by coalesce(certificate_date, contract_date) desc nulls last,
                contract_date desc nulls last, source_file desc, source_row desc
        ) as recency_rank,
    from valuations
),

next_contracts as (
    select
        v.valuation_id,
        min(later.contract_date) as next_valuation_contract_date,
    from valuations as v
    inner join valuations as later
        on later.asset_id = v.asset_id
        and later.valuation_id <> v.valuation_id
        and later.contract_date > v.certificate_date
    group by v.valuation_id
),

final as (
    select
        o.valuation_id,
        o.asset_id,
        o.kind,
        o.contract_date,
        o.certificate_date,
        o.valid_until,
        o.value,
        o.disputed,
        o.recency_rank = 1 as is_latest,
        o.recency_rank,
        n.next_valuation_contract_date,
        o.source_file,
        o.source_row,
    from ordered as o
    left join next_contracts as n using (valuation_id)
)

select * from final
