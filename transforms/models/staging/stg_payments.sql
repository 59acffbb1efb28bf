-- staging.stg_payments: money recovered or written down (kết quả thu, giảm), one row per payment.
-- is_recovery: money actually recovered (tu_nguyen, cuong_che, ban_tai_san); mien_giam is a write-down.
with payments as (
    select * from raw.payments
),

agencies as (
    select * from ref.agencies
),

office_map as (
    select
        trim(office_code) as office_code_raw,
        trim(maps_to_office_code) as office_code,
    from agencies
    where nullif(trim(maps_to_office_code), '') is not null
),

cleaned as (
    select
        trim(payment_id) as payment_id,
        trim(case_id) as case_id,
        trim(office_code) as office_code_raw,
        payment_date,
        amount,
        kind,
        batch_date,
        batch_office,
        source_file,
        source_row,
    from payments
    where payment_id is not null
),

final as (
    select
        cleaned.payment_id,
        cleaned.case_id,
        coalesce(office_map.office_code, cleaned.office_code_raw) as office_code,
        cleaned.office_code_raw,
        cleaned.payment_date,
        cleaned.amount,
        cleaned.kind,
        cleaned.kind in ('tu_nguyen', 'cuong_che', 'ban_tai_san') as is_recovery,
        cleaned.batch_date,
        cleaned.batch_office,
        cleaned.source_file,
        cleaned.source_row,
    from cleaned
    left join office_map
        on cleaned.office_code_raw = office_map.office_code_raw
)

select * from final
