-- intermediate.int_deadline_clocks: every statutory step the registers let us check, one row per rule
-- and record (metrics.md, "Statutory deadlines"): the event that starts the clock, the step when taken,
-- and what stops an untaken step's clock. No deadline arithmetic here (int_deadline_checks does it).
--
-- rule                     keys                     start_date          actual_date (the step)
-- decision_late            case_id                  received_date       decision_date
-- valuation_contract_late  asset_id                 seizure_date        first valuation contract
--                                                   (not when price_agreed)
-- auction_contract_late    asset_id, valuation_id   certificate_date    first auction contract on or
--                                                                       after the certificate, unless a
--                                                                       later valuation contract comes
--                                                                       first (it then stops the clock)
-- auction_held_late        auction_id               contract_date       auction_date (a `huy` round is
--                                                                       not checked, nor a round with an
--                                                                       outcome but no auction date)
-- price_cut_late           auction_id (failed)      auction_date        next round's contract, or a
--                                                                       valuation contract on or after
--                                                                       the auction date, the earlier
-- certificate_expired      auction_id, valuation_id certificate_date    auction_date, due on valid_until
--                                                   of the valuation in force (fixed_due_date); only
--                                                   rounds held (not `huy`) with both dates
-- handover_late            asset_id                 disposition_date    handover_date (sold assets)
--
-- stops_on_case_close / stops_on_disposition: whether the case's closing or the asset's disposition
-- (any disposition: sold, taken by the obligee, returned, released) ends an untaken step's clock.
-- step_stop_date: a rule's own stop (a later valuation contract for auction_contract_late).
with cases as (
    select * from staging.stg_cases
),

assets as (
    select * from staging.stg_assets
),

valuations as (
    select * from intermediate.int_asset_valuations
),

rounds as (
    select * from intermediate.int_asset_rounds
),

decision as (
    select
        'decision_late' as rule,
        case_id,
        null::varchar as asset_id,
        null::varchar as valuation_id,
        null::varchar as auction_id,
        null::varchar as asset_type,
        received_date as start_date,
        decision_date as actual_date,
        null::date as fixed_due_date,
        null::date as step_stop_date,
        null::varchar as step_stopped_by,
        true as stops_on_case_close,
        false as stops_on_disposition,
    from cases
),

first_valuation_contracts as (
    select
        asset_id,
        min(contract_date) as first_contract_date,
    from valuations
    group by asset_id
),

valuation_contract as (
    select
        'valuation_contract_late' as rule,
        assets.case_id,
        assets.asset_id,
        null::varchar as valuation_id,
        null::varchar as auction_id,
        assets.asset_type,
        assets.seizure_date as start_date,
        first_valuation_contracts.first_contract_date as actual_date,
        null::date as fixed_due_date,
        null::date as step_stop_date,
        null::varchar as step_stopped_by,
        true as stops_on_case_close,
        true as stops_on_disposition,
    from assets
    left join first_valuation_contracts
        on assets.asset_id = first_valuation_contracts.asset_id
    where not assets.price_agreed
),

first_auction_contracts as (
    select
        valuations.valuation_id,
        min(rounds.contract_date) as first_auction_contract_date,
    from valuations
    inner join rounds
        on valuations.asset_id = rounds.asset_id
        and rounds.contract_date >= valuations.certificate_date
    group by valuations.valuation_id
),

certificate_steps as (
    -- the auction contract is the step when it comes no later than the next valuation contract;
    -- otherwise the re-valuation stops this certificate's clock
    select
        valuations.*,
        f.first_auction_contract_date,
        f.first_auction_contract_date
            <= coalesce(valuations.next_valuation_contract_date, date '9999-12-31') as auction_contract_first,
    from valuations
    left join first_auction_contracts as f
        on valuations.valuation_id = f.valuation_id
    where valuations.certificate_date is not null
),

auction_contract as (
    select
        'auction_contract_late' as rule,
        assets.case_id,
        certificate_steps.asset_id,
        certificate_steps.valuation_id,
        null::varchar as auction_id,
        assets.asset_type,
        certificate_steps.certificate_date as start_date,
        case when certificate_steps.auction_contract_first
            then certificate_steps.first_auction_contract_date end as actual_date,
        null::date as fixed_due_date,
        case when not coalesce(certificate_steps.auction_contract_first, false)
            then certificate_steps.next_valuation_contract_date end as step_stop_date,
        case when not coalesce(certificate_steps.auction_contract_first, false)
            and certificate_steps.next_valuation_contract_date is not null
            then 'revaluation' end as step_stopped_by,
        true as stops_on_case_close,
        true as stops_on_disposition,
    from certificate_steps
    inner join assets
        on certificate_steps.asset_id = assets.asset_id
),

auction_held as (
    select
        'auction_held_late' as rule,
        assets.case_id,
        rounds.asset_id,
        null::varchar as valuation_id,
        rounds.auction_id,
        assets.asset_type,
        rounds.contract_date as start_date,
        rounds.auction_date as actual_date,
        null::date as fixed_due_date,
        null::date as step_stop_date,
        null::varchar as step_stopped_by,
        true as stops_on_case_close,
        true as stops_on_disposition,
    from rounds
    inner join assets
        on rounds.asset_id = assets.asset_id
    where rounds.outcome is distinct from 'huy'
        and not (rounds.outcome is not null and rounds.auction_date is null)
),

price_cut as (
    select
        'price_cut_late' as rule,
        assets.case_id,
        rounds.asset_id,
        null::varchar as valuation_id,
        rounds.auction_id,
        assets.asset_type,
        rounds.auction_date as start_date,
        least(rounds.next_round_contract_date, rounds.next_valuation_contract_date) as actual_date,
        null::date as fixed_due_date,
        null::date as step_stop_date,
        null::varchar as step_stopped_by,
        true as stops_on_case_close,
        true as stops_on_disposition,
    from rounds
    inner join assets
        on rounds.asset_id = assets.asset_id
    where rounds.outcome = 'khong_thanh'
        and rounds.auction_date is not null
),

certificate_expiry as (
    select
        'certificate_expired' as rule,
        assets.case_id,
        rounds.asset_id,
        rounds.in_force_valuation_id as valuation_id,
        rounds.auction_id,
        assets.asset_type,
        rounds.in_force_certificate_date as start_date,
        rounds.auction_date as actual_date,
        rounds.in_force_valid_until as fixed_due_date,
        null::date as step_stop_date,
        null::varchar as step_stopped_by,
        false as stops_on_case_close,
        false as stops_on_disposition,
    from rounds
    inner join assets
        on rounds.asset_id = assets.asset_id
    where rounds.outcome is distinct from 'huy'
        and rounds.auction_date is not null
        and rounds.in_force_valid_until is not null
),

handover as (
    select
        'handover_late' as rule,
        case_id,
        asset_id,
        null::varchar as valuation_id,
        null::varchar as auction_id,
        asset_type,
        disposition_date as start_date,
        handover_date as actual_date,
        null::date as fixed_due_date,
        null::date as step_stop_date,
        null::varchar as step_stopped_by,
        false as stops_on_case_close,
        false as stops_on_disposition,
    from assets
    where disposition = 'da_ban'
),

all_clocks as (
    select * from decision
    union all by name
    select * from valuation_contract
    union all by name
    select * from auction_contract
    union all by name
    select * from auction_held
    union all by name
    select * from price_cut
    union all by name
    select * from certificate_expiry
    union all by name
    select * from handover
),

final as (
    select * from all_clocks
    where start_date is not null
)

select * from final
