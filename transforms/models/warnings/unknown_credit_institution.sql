-- warning: spellings of a credit institution that credit_institutions.csv does not know; they are kept
-- as written (data-contract.md, Reference data). One row per office and spelling, with its case count;
-- add the spelling to data/reference/credit_institutions.csv to map it.
with cases as (
    select * from staging.stg_cases
),

final as (
    select
        office_code,
        credit_institution,
        count(*) as cases,
    from cases
    where credit_case
        and credit_institution is not null
        and not credit_institution_known
    group by office_code, credit_institution
    order by office_code, credit_institution
)

select * from final
