-- intermediate.int_asset_rounds: every auction round of a seized asset, in round order, with what the
-- price ladder and the deadline rules need.
--
-- * round_seq: 1, 2, 3 … per asset by round_no (then contract_date, file order).
-- * cut_pct: the cut of this round's starting price against the previous round's (1 − this ÷ previous,
--   in percent); cumulative_cut_pct against the first round's. NULL on the first round or when the
--   divisor is 0.
-- * next_round_contract_date: the contract of the next round; next_valuation_contract_date: the first
--   valuation contract of the asset signed on or after this round's auction date (a re-valuation).
-- * valuation in force: the latest certificate dated on or before this round's contract date (latest
--   certificate_date, then contract_date, then file order).
with rounds as (
    select * from staging.stg_auctions
),

valuations as (
    select * from staging.stg_valuations
),

sequenced as (
    select
        *,
        row_number() over (
            partition by asset_id order by round_no, contract_date, source_file, source_row
        ) as round_seq,
    from rounds
),

laddered as (
    select
        *,
        first_value(starting_price) over w as first_starting_price,
        lag(starting_price) over w as previous_starting_price,
        lead(contract_date) over w as next_round_contract_date,
        round_seq = count(*) over (partition by asset_id) as is_last_round,
    from sequenced
    window w as (partition by asset_id order by round_seq
                 rows between unbounded preceding and unbounded following)
),

revaluation_after as (
    select
        r.auction_id,
        min(v.contract_date) as next_valuation_contract_date,
    from sequenced as r
    inner join valuations as v
        on v.asset_id = r.asset_id
        and v.contract_date >= r.auction_date
    group by r.auction_id
),

certificates_before as (
    select
        r.auction_id,
        v.valuation_id,
        v.certificate_date,
        v.valid_until,
        row_number() over (
            partition by r.auction_id
            order by v.certificate_date desc, v.contract_date desc nulls last, v.source_file desc,
                v.source_row desc
        ) as rank_in_force,
    from sequenced as r
    inner join valuations as v
        on v.asset_id = r.asset_id
        and v.certificate_date <= r.contract_date
),

in_force as (
    select * from certificates_before where rank_in_force = 1
),

final as (
    select
        l.auction_id,
        l.asset_id,
        l.round_no,
        l.round_seq,
        l.contract_date,
        l.auction_date,
        l.starting_price,
        l.outcome,
        l.sale_price,
        l.is_last_round,
        l.first_starting_price,
        l.previous_starting_price,
        case when l.previous_starting_price <> 0
            then (1 - l.starting_price / l.previous_starting_price) * 100 end as cut_pct,
        case when l.round_seq > 1 and l.first_starting_price <> 0
            then (1 - l.starting_price / l.first_starting_price) * 100 end as cumulative_cut_pct,
        l.next_round_contract_date,
        ra.next_valuation_contract_date,
        f.valuation_id as in_force_valuation_id,
        f.certificate_date as in_force_certificate_date,
        f.valid_until as in_force_valid_until,
        l.source_file,
        l.source_row,
    from laddered as l
    left join revaluation_after as ra using (auction_id)
    left join in_force as f using (auction_id)
)

select * from final
