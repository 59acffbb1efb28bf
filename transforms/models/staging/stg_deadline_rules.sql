-- staging.stg_deadline_rules: data/reference/deadline_rules.csv typed, one row per rule and asset type.
-- asset_type NULL = the row applies to every asset type (and to rules that are not about an asset);
-- valid_from NULL = no lower bound; valid_to NULL = still in force. A rule row is chosen by the date of
-- the event that starts the clock (metrics.md, "Statutory deadlines").
with rules as (
    select * from ref.deadline_rules
),

typed as (
    select
        trim(rule) as rule,
        cast(nullif(trim("limit"), '') as integer) as day_limit,
        nullif(trim(unit), '') as unit,
        coalesce(trim(asset_types), '') as asset_types,
        cast(nullif(trim(valid_from), '') as date) as valid_from,
        cast(nullif(trim(valid_to), '') as date) as valid_to,
        trim(law) as law,
        coalesce(lower(trim(provisional)) in ('true', '1', 'yes', 'x'), false) as provisional,
        trim(description) as description,
    from rules
    where nullif(trim(rule), '') is not null
),

one_row_per_asset_type as (
    select
        *,
        unnest(string_split(asset_types, '|')) as asset_type_text,
    from typed
),

final as (
    select
        rule,
        nullif(trim(asset_type_text), '') as asset_type,
        day_limit,
        unit,
        valid_from,
        valid_to,
        law,
        provisional,
        description,
    from one_row_per_asset_type
)

select * from final
