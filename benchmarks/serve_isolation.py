"""Benchmark (not a test): a clerk's 校验本表 through `xltasks serve` while the coordinator's 汇总报送 runs.

    python benchmarks/serve_isolation.py [--units 1000] [--tasks-per-unit 10]

A programme of UNITS x TASKS_PER_UNIT tasks (default 10,000) is imported and split, every return filled into the
server's inbox; then 汇总报送 (merge_folder) is pressed, and while it runs a clerk presses 校验本表 on a 200-row
return again and again. Prints the merge's time and each clerk press's round trip (the target: every one within
2 s); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
ROUND = "2026年11月"
COORD = "coordinator-token-for-the-benchmark"


def office(tmp: Path, units: int, per_unit: int) -> tuple[Path, Path]:
    """The programme's master, its inbox of filled returns and a 200-row clerk's return: (master, clerk return)."""
    from openpyxl import load_workbook

    from merge_scale import fill, write_source
    from xltasks.actions.import_table import import_table
    from xltasks.actions.split import split
    from xltasks.core.config import parse_config

    master = tmp / "总台账.xlsx"
    import_table(write_source(tmp / "source.xlsx", units, per_unit), master, parse_config(None))
    issued = [f.path for f in split(master, tmp / "下发表", ROUND).files]
    (tmp / "报送表").mkdir()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(fill, issued, [tmp / "报送表" / p.name for p in issued], chunksize=20))
    wb = load_workbook(master)
    for row in (["本期期次", ROUND], ["报送表文件夹", "报送表"], ["下发表文件夹", "下发表"]):
        wb["使用说明"].append(row)
    wb.save(master)
    import_table(write_source(tmp / "clerk.xlsx", 1, 200), tmp / "clerk-master.xlsx", parse_config(None))
    clerk = fill(split(tmp / "clerk-master.xlsx", tmp / "clerk", ROUND).files[0].path, tmp / "clerk-filled.xlsx")
    (tmp / "programmes.toml").write_text(f'[[programme]]\nmaster = "{master}"\ninbox = "{tmp / "报送表"}"\n'
                                         f'outbox = "{tmp / "下发表"}"\n', encoding="utf-8")
    (tmp / "coord.txt").write_text(COORD, encoding="utf-8")
    return master, clerk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--tasks-per-unit", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    import httpx

    from test_excel_server import free_port
    from xlwings_harness import payload
    from xltasks.excel.coordinator import NEEDED_SHEETS

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        master, clerk = office(tmp, args.units, args.tasks_per_unit)
        print(f"{args.units * args.tasks_per_unit:,} tasks, {args.units:,} filled returns prepared in "
              f"{time.perf_counter() - started:.0f} s")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "xltasks", "serve", "--port", str(port),
                                 "--coordinator-token-file", str(tmp / "coord.txt"),
                                 "--programmes", str(tmp / "programmes.toml")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": COORD, "Content-Type": "application/json"}
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            body, merged = payload(master, include=list(NEEDED_SHEETS)), {}

            def merge() -> None:
                start = time.perf_counter()
                merged["status"] = httpx.post(f"{url}/xlwings/custom-scripts-call/merge_folder", content=body,
                                              headers=headers, timeout=1800).status_code
                merged["seconds"] = time.perf_counter() - start

            runner = threading.Thread(target=merge)
            runner.start()
            check, trips = payload(clerk, exclude=["填报说明"]), []
            while runner.is_alive():
                start = time.perf_counter()
                status = httpx.post(f"{url}/xlwings/custom-scripts-call/validate_return", content=check,
                                    headers=headers, timeout=60).status_code
                trips.append((time.perf_counter() - start, status))
            runner.join()
        finally:
            proc.terminate()
            proc.wait()
        seconds = [t for t, _ in trips]
        print(f"汇总报送 (merge_folder): {merged['seconds']:.1f} s, HTTP {merged['status']}")
        print(f"校验本表 while it ran: {len(trips)} presses, statuses {sorted({s for _, s in trips})}, "
              f"median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
