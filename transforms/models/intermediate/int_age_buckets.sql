-- intermediate.int_age_buckets: the backlog age buckets of metrics.md (NJDG style), exact day bounds.
-- A case aged age_days falls in the bucket with min_days <= age_days <= max_days (max_days NULL = no
-- upper bound). bucket_order sorts them youngest first.
with buckets(bucket_order, age_bucket, min_days, max_days) as (
    values
        (1, '0-6m', 0, 182),
        (2, '6-12m', 183, 365),
        (3, '1-2y', 366, 730),
        (4, '2-5y', 731, 1826),
        (5, '5-10y', 1827, 3652),
        (6, '10y+', 3653, null)
),

final as (
    select
        cast(bucket_order as integer) as bucket_order,
        age_bucket,
        cast(min_days as integer) as min_days,
        cast(max_days as integer) as max_days,
    from buckets
)

select * from final
