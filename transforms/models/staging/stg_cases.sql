-- staging.stg_cases: enforcement cases (việc thi hành án), typed and cleaned; one row per case_id.
-- office_code is the current regional office the written code maps to (agencies.csv maps current and
-- legacy codes alike); office_code_raw keeps the code as written. credit_institution_canonical is the
-- canonical name of the written spelling, matched ignoring case, spaces and diacritics; an unknown
-- spelling is kept as written and flagged by credit_institution_known = false.
with cases as (
    select * from raw.cases
),

agencies as (
    select * from ref.agencies
),

credit_institutions as (
    select * from ref.credit_institutions
),

office_map as (
    select
        trim(office_code) as office_code_raw,
        trim(maps_to_office_code) as office_code,
    from agencies
    where nullif(trim(maps_to_office_code), '') is not null
),

institution_aliases as (
    -- the folded spelling: lower case, no diacritics (đ -> d), no spaces
    select
        regexp_replace(replace(strip_accents(lower(trim(alias))), 'đ', 'd'), '\s+', '', 'g') as alias_key,
        min(trim(canonical_name)) as canonical_name,
    from credit_institutions
    where nullif(trim(alias), '') is not null
    group by 1
),

cleaned as (
    select
        trim(case_id) as case_id,
        trim(office_code) as office_code_raw,
        nullif(trim(officer_id), '') as officer_id,
        trim(judgment_no) as judgment_no,
        judgment_type,
        initiation,
        received_date,
        decision_date,
        obligee_type,
        obligee_key,
        nullif(trim(obligee_org_name), '') as obligee_org_name,
        obligor_key,
        coalesce(credit_case, false) as credit_case,
        nullif(trim(credit_institution), '') as credit_institution,
        coalesce(amount_due, 0) as amount_due,
        status,
        status_date,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from cases
    where case_id is not null
),

keyed as (
    select
        *,
        regexp_replace(replace(strip_accents(lower(credit_institution)), 'đ', 'd'), '\s+', '', 'g')
            as credit_institution_key,
    from cleaned
),

final as (
    select
        keyed.case_id,
        coalesce(office_map.office_code, keyed.office_code_raw) as office_code,
        keyed.office_code_raw,
        keyed.officer_id,
        keyed.judgment_no,
        keyed.judgment_type,
        keyed.initiation,
        keyed.received_date,
        keyed.decision_date,
        keyed.obligee_type,
        keyed.obligee_key,
        keyed.obligee_org_name,
        keyed.obligor_key,
        keyed.credit_case,
        keyed.credit_institution,
        coalesce(institution_aliases.canonical_name, keyed.credit_institution) as credit_institution_canonical,
        case
            when keyed.credit_institution is null then null
            else institution_aliases.canonical_name is not null
        end as credit_institution_known,
        keyed.amount_due,
        keyed.status,
        keyed.status_date,
        keyed.batch_date,
        keyed.batch_office,
        keyed.source_file,
        keyed.source_row,
    from keyed
    left join office_map
        on keyed.office_code_raw = office_map.office_code_raw
    left join institution_aliases
        on keyed.credit_institution_key = institution_aliases.alias_key
)

select * from final
