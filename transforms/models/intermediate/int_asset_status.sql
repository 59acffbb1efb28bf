-- intermediate.int_asset_status: one row per seized asset — its stage on the as-of date and the counts of
-- its valuations and auction rounds (metrics.md, "Valuation and auction bottlenecks").
--
-- Stage, the first that applies:
--   disposition set    -> da_ban_giao (sold, handed over; from handover_date), da_ban (sold, not handed
--                         over; from disposition_date), nguoi_duoc_nhan / tra_lai / giai_toa (from
--                         disposition_date)
--   a round with a contract and no outcome -> dang_dau_gia (from that round's contract date; the latest
--                         such round when there are several)
--   latest valuation without certificate, or no valuation and no agreed price -> cho_dinh_gia (from the
--                         valuation contract; with no valuation, from the seizure or the end of the
--                         last round, whichever is later)
--   otherwise          -> cho_dau_gia (from the latest of: seizure, latest certificate, the last
--                         round's end — a failed round's auction date, a cancelled round's auction date
--                         or else its contract date)
with assets as (
    select * from staging.stg_assets
),

valuations as (
    select * from intermediate.int_asset_valuations
),

rounds as (
    select * from intermediate.int_asset_rounds
),

run_context as (
    select * from ref.run_context
),

valuation_counts as (
    select
        asset_id,
        count(*) as valuations,
        count(*) filter (where kind = 'dinh_gia_lai') as revaluations,
        count(*) filter (where disputed) as disputed_valuations,
    from valuations
    group by asset_id
),

latest_valuation as (
    select
        asset_id,
        valuation_id as latest_valuation_id,
        contract_date as latest_valuation_contract_date,
        certificate_date as latest_certificate_date,
    from valuations
    where is_latest
),

round_counts as (
    select
        asset_id,
        count(*) as rounds,
        count(*) filter (where outcome = 'khong_thanh') as failed_rounds,
        max(round_seq) filter (where outcome is null) as open_round_seq,
    from rounds
    group by asset_id
),

last_round as (
    select
        asset_id,
        auction_id as last_auction_id,
        outcome as last_outcome,
        first_starting_price,
        starting_price as latest_starting_price,
        case outcome
            when 'huy' then coalesce(auction_date, contract_date)
            else auction_date
        end as last_round_ended_on,
    from rounds
    where is_last_round
),

open_round as (
    select
        r.asset_id,
        r.contract_date as open_round_contract_date,
    from rounds as r
    inner join round_counts as c
        on c.asset_id = r.asset_id
        and c.open_round_seq = r.round_seq
),

joined as (
    select
        a.*,
        coalesce(vc.valuations, 0) as valuations,
        coalesce(vc.revaluations, 0) as revaluations,
        coalesce(vc.disputed_valuations, 0) as disputed_valuations,
        lv.latest_valuation_id,
        lv.latest_valuation_contract_date,
        lv.latest_certificate_date,
        coalesce(rc.rounds, 0) as rounds,
        coalesce(rc.failed_rounds, 0) as failed_rounds,
        lr.first_starting_price,
        lr.latest_starting_price,
        lr.last_round_ended_on,
        orr.open_round_contract_date,
        ctx.as_of,
    from assets as a
    cross join run_context as ctx
    left join valuation_counts as vc using (asset_id)
    left join latest_valuation as lv using (asset_id)
    left join round_counts as rc using (asset_id)
    left join last_round as lr using (asset_id)
    left join open_round as orr using (asset_id)
),

staged as (
    select
        *,
        case
            when disposition = 'da_ban' and handover_date is not null then 'da_ban_giao'
            when disposition is not null then disposition
            when open_round_contract_date is not null then 'dang_dau_gia'
            when latest_valuation_id is not null and latest_certificate_date is null then 'cho_dinh_gia'
            when latest_valuation_id is null and not price_agreed then 'cho_dinh_gia'
            else 'cho_dau_gia'
        end as stage,
    from joined
),

dated as (
    select
        *,
        case
            when stage = 'da_ban_giao' then handover_date
            when disposition is not null then disposition_date
            when stage = 'dang_dau_gia' then open_round_contract_date
            when stage = 'cho_dinh_gia' and latest_valuation_id is not null
                then coalesce(latest_valuation_contract_date, greatest(seizure_date, last_round_ended_on))
            when stage = 'cho_dinh_gia' then greatest(seizure_date, last_round_ended_on)
            else greatest(seizure_date, latest_certificate_date, last_round_ended_on)
        end as stage_start_date,
    from staged
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
        stage,
        stage_start_date,
        as_of - stage_start_date as days_in_stage,
        valuations,
        revaluations,
        disputed_valuations,
        latest_valuation_id,
        rounds,
        failed_rounds,
        first_starting_price,
        latest_starting_price,
        case when first_starting_price <> 0
            then (1 - latest_starting_price / first_starting_price) * 100 end as cumulative_reduction_pct,
        disposition is not null as disposed,
        disposition is null and failed_rounds >= 3 as stuck,
    from dated
)

select * from final
