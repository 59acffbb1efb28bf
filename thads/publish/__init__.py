"""Charts and the committee's morning report.

- `thads.publish.charts`: `chart_<name>(con, as_of, lang="vi")` on a read-only warehouse connection; `CHARTS`.
- `thads.publish.report`: `publish_report(warehouse, exports, as_of, ...) -> PublishResult`.
- `thads.publish.formatting`: Vietnamese numbers, money, dates; `neutralise_formula`.
- `thads.publish.xlsx`: the Excel forms and CSV tables. `thads.publish.browser`: the system Chromium.

docs/report.md describes the sections and the choices behind them.
"""
