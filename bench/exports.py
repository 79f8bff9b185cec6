"""A province's exports: the dashboard's Excel table and the official Word report (issue 9).

    uv run python bench/exports.py [--db diemtua_b2m] [--period 2025-2026]

On a database filled by `manage.py bench_seed`, the officer of the province with the most
schools exports the drill-down table of the province's dashboard (every commune and the upper
secondary schools, as the export job builds it, through reporting.exports.run) and builds the
province's report for the school year as .docx (figures gathered and suppressed, Decree 30/2020
layout, reporting.docx.build_docx). Each is timed --runs times (median, min, max); everything is
rolled back afterwards. Target: the province's xlsx ≤ 5 s.
"""

import argparse

import _common


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args, period, province, officer = _common.province_bench(parser)
    code = period.code

    from django.db import transaction

    from diemtua.core import uploads
    from diemtua.reporting import docx, exports, services
    from diemtua.reporting.models import ExportJob
    from diemtua.reporting.tables import _figures_cache

    print(f"{province.name}: {province.n - 1} units below it; period {code}")

    xlsx_times, build_times, sizes = [], [], {}
    try:
        with transaction.atomic():
            for _ in range(args.runs):
                job = exports.export_request(
                    actor=officer,
                    kind="dashboard_table",
                    params={
                        "view": "unit",
                        "pk": province.pk,
                        "period": code,
                        "table": "drilldown",
                    },
                )
                _figures_cache.clear()  # an export is usually the first view after a refresh
                xlsx_times.append(_common.timed_ms(lambda j=job: exports.run(j.pk)))
                job = ExportJob.objects.get(pk=job.pk)
                if job.status != "done":
                    raise SystemExit(f"xlsx export failed: {job.status} {job.error}")
                storage = uploads.storage()
                sizes["xlsx"] = storage.size(job.stored_name)
                storage.delete(job.stored_name)
            report = services.report_start(actor=officer, unit=province, period=period)
            for _ in range(args.runs):
                holder = {}
                build_times.append(
                    _common.timed_ms(
                        lambda h=holder: h.update(
                            content=docx.build_docx(report, exact=False, text_shown=True)
                        )
                    )
                )
                sizes["docx"] = len(holder["content"])
            raise _Rollback
    except _Rollback:
        pass
    print(f"{'export':34} {'median ms (min–max)':>26} {'bytes':>9}")
    print(
        f"{'province dashboard table .xlsx':34} {_common.spread(xlsx_times):>26} {sizes['xlsx']:9d}"
    )
    print(f"{'province report .docx':34} {_common.spread(build_times):>26} {sizes['docx']:9d}")


if __name__ == "__main__":
    main()
