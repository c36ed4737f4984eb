"""校验本表 on a 200-row return: in-process through xlwings' JSON engine, and whole requests through `xltasks serve`.

Prints figures (payload size per client, time to check in process, request round trip on 127.0.0.1); asserts
nothing. Run: python benchmarks/excel_check.py [--rows 200] [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    import httpx

    from merge_scale import fill, write_source
    from test_excel_server import free_port
    from xlwings_harness import actions_of, book_from, payload
    from xltasks.actions.import_table import import_table
    from xltasks.actions.split import split
    from xltasks.core.config import parse_config
    from xltasks.excel.clerk import validate_return_book

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = write_source(tmp / "source.xlsx", 1, args.rows)
        import_table(source, tmp / "master.xlsx", parse_config(None))
        issued = split(tmp / "master.xlsx", tmp / "out", "2026年11月").files[0].path
        path = fill(issued, tmp / "filled.xlsx")
        bodies = {client: payload(path, client, exclude=["填报说明"]) for client in ("VBA", "Office.js")}
        for client, body in bodies.items():
            print(f"payload {client}: {len(body) / 1024:.0f} KB for {args.rows} rows")
        for label, body in (("filled, clean", bodies["VBA"]), ("blank, every input marked", payload(issued))):
            times = []
            for _ in range(5):
                start = time.perf_counter()
                book = book_from(body)
                validate_return_book(book)
                actions = actions_of(book)
                times.append(time.perf_counter() - start)
            print(f"校验本表 in process ({label}): median {statistics.median(times) * 1000:.0f} ms, "
                  f"{len(actions)} actions")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "xltasks", "serve", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            rounds = []
            for _ in range(args.requests):
                start = time.perf_counter()
                answer = httpx.post(f"{url}/xlwings/custom-scripts-call/validate_return", content=bodies["VBA"],
                                    headers={"Content-Type": "application/json"},
                                    timeout=60)
                rounds.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.text
            print(f"校验本表 through the server: median {statistics.median(rounds) * 1000:.0f} ms, "
                  f"max {max(rounds) * 1000:.0f} ms over {args.requests} requests; answer {len(answer.content) / 1024:.1f} KB")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
