-- marts.complaints_summary: per reporting period (the KPI periods of intermediate.int_periods) and
-- office, plus the province (`ALL`): complaints received, resolved and pending at the period's end, and
-- the pending cases that have a complaint unresolved at the end, with their age (metrics.md,
-- "Complaints, workload, data freshness"). Documented in docs/marts-assets-deadlines.md.
with complaints as (
    select * from intermediate.int_complaints
),

periods as (
    select * from intermediate.int_periods
    where purpose = 'kpi'
),

intervals as (
    select * from intermediate.int_case_status_intervals
),

status_classes as (
    select * from staging.stg_status_classes
),

offices as (
    select * from staging.stg_offices
),

complaint_scopes as (
    select office_code as scope_office, * from complaints
    union all
    select 'ALL' as scope_office, * from complaints
),

complaint_figures as (
    select
        periods.period_id,
        complaint_scopes.scope_office as office_code,
        count(*) filter (where complaint_scopes.received_date
            between periods.period_start and periods.period_end) as complaints_received,
        count(*) filter (where complaint_scopes.received_date
            between periods.period_start and periods.period_end and complaint_scopes.escalated)
            as escalated_received,
        count(*) filter (where complaint_scopes.resolved_date
            between periods.period_start and periods.period_end) as complaints_resolved,
        count(*) filter (where complaint_scopes.received_date <= periods.period_end
            and (complaint_scopes.resolved_date is null
                or complaint_scopes.resolved_date > periods.period_end)) as complaints_pending_end,
    from periods
    inner join complaint_scopes
        on complaint_scopes.received_date <= periods.period_end
    group by periods.period_id, complaint_scopes.scope_office
),

unresolved_at_end as (
    -- cases with a complaint received by the end and not resolved by then
    select distinct
        periods.period_id,
        periods.period_end,
        complaints.case_id,
        complaints.office_code,
        complaints.case_received_date,
    from periods
    inner join complaints
        on complaints.received_date <= periods.period_end
        and (complaints.resolved_date is null or complaints.resolved_date > periods.period_end)
    where complaints.case_id is not null
        and complaints.case_received_date <= periods.period_end
),

pending_with_complaint as (
    -- ... that are pending at the end: open or in the separate register (as backlog ageing counts)
    select
        unresolved_at_end.*,
        unresolved_at_end.period_end - unresolved_at_end.case_received_date as case_age_days,
    from unresolved_at_end
    inner join intervals
        on unresolved_at_end.case_id = intervals.case_id
        and intervals.valid_from <= unresolved_at_end.period_end
        and coalesce(intervals.valid_to, date '9999-12-31') > unresolved_at_end.period_end
    inner join status_classes
        on intervals.status = status_classes.status
    where status_classes.is_open or status_classes.is_separate
),

case_scopes as (
    select office_code as scope_office, * from pending_with_complaint
    union all
    select 'ALL' as scope_office, * from pending_with_complaint
),

case_figures as (
    select
        period_id,
        scope_office as office_code,
        count(*) as pending_cases_with_complaint,
        median(case_age_days) as median_age_days_pending_with_complaint,
        max(case_age_days) as max_age_days_pending_with_complaint,
    from case_scopes
    group by period_id, scope_office
),

grid as (
    select
        periods.*,
        scope.office_code,
    from periods
    cross join (
        select office_code from offices
        union
        select office_code from complaints
        union
        select 'ALL'
    ) as scope
),

final as (
    select
        grid.period_id,
        grid.period_kind,
        grid.period_label,
        grid.period_start,
        grid.period_end,
        grid.statistical_year,
        grid.office_code,
        coalesce(complaint_figures.complaints_received, 0) as complaints_received,
        coalesce(complaint_figures.escalated_received, 0) as escalated_received,
        coalesce(complaint_figures.complaints_resolved, 0) as complaints_resolved,
        coalesce(complaint_figures.complaints_pending_end, 0) as complaints_pending_end,
        coalesce(case_figures.pending_cases_with_complaint, 0) as pending_cases_with_complaint,
        case_figures.median_age_days_pending_with_complaint,
        case_figures.max_age_days_pending_with_complaint,
    from grid
    left join complaint_figures
        on grid.period_id = complaint_figures.period_id
        and grid.office_code = complaint_figures.office_code
    left join case_figures
        on grid.period_id = case_figures.period_id
        and grid.office_code = case_figures.office_code
)

select * from final
