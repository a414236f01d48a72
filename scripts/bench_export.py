"""Benchmark: raw-data export vs bare openpyxl write-only on the same rows, in the same run.

Each measurement runs in a fresh subprocess so its peak memory (ru_maxrss) is its own. Two
sizes show whether memory stays flat as the row count grows. Usage:

    python scripts/bench_export.py [--rows 100000 1000000] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synthetic_rows(count: int):
    """Rows shaped like targets.exports.RAW_FIELDS, generated lazily (nothing held in memory)."""
    tz = datetime.timezone(datetime.timedelta(hours=7))
    entered = datetime.datetime(2024, 4, 10, 9, 30, tzinfo=tz)
    for i in range(count):
        unit = i % 1000
        yield (
            2024, i % 4 + 1, f"{unit:05d}", f"Xã số {unit}", str(i % 100), f"Chỉ tiêu {i % 100}", "tỷ đồng",
            Decimal(i % 9973) / 10, "", "", "ghi chú", "Cục Thống kê", "official", "approved",
            f"nhaplieu.{unit}", entered, "thamdinh", entered, None, None, f"Commune {unit}", f"Measure {i % 100}", "billion VND",
        )


def run_one(mode: str, rows: int) -> dict:
    """Child process: write `rows` rows with `mode`, report time and peak memory."""
    import resource

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://bench@127.0.0.1:1/unused")  # settings only; no connection
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from openpyxl import Workbook

    from targets import exports

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.xlsx"
        start = time.perf_counter()
        if mode == "ours":
            exports.write_raw_xlsx(synthetic_rows(rows), path)
        else:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Figures")
            ws.append(exports.raw_labels("vi").headers)
            for row in synthetic_rows(rows):
                ws.append([v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v for v in row])
            wb.save(path)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mib": peak_mib, "bytes": size}


def measure(mode: str, rows: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(rows)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--write", help="append the result table to this markdown file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child[0], int(args.child[1]))))
        return
    results = []
    for rows in args.rows:
        bare = measure("bare", rows)
        ours = measure("ours", rows)
        results.append((rows, bare, ours))
    lines = [
        "| rows | bare openpyxl rows/s | ours rows/s | ours / bare | bare peak MiB | ours peak MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, bare, ours in results:
        lines.append(
            f"| {rows:,} | {bare['rows_per_s']:,.0f} | {ours['rows_per_s']:,.0f} | "
            f"{ours['rows_per_s'] / bare['rows_per_s']:.0%} | {bare['peak_mib']:.0f} | {ours['peak_mib']:.0f} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write:
        with open(args.write, "a", encoding="utf-8") as handle:
            handle.write(f"\n### Raw-data export ({datetime.date.today().isoformat()})\n\n"
                         f"Command: `{' '.join(['python', 'scripts/bench_export.py', *sys.argv[1:]])}`\n\n{table}\n")


if __name__ == "__main__":
    main()
