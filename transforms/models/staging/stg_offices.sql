-- staging.stg_offices: the current regional offices (Phòng THADS khu vực), one row per office_code.
with agencies as (
    select * from ref.agencies
),

final as (
    select
        trim(office_code) as office_code,
        trim(office_name) as office_name,
        trim(province_code) as province_code,
        trim(province_name) as province_name,
    from agencies
    where trim(code_status) = 'current'
)

select * from final
