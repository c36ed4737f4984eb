"""Shared fixtures: the sample sources, a factory for source tables, LibreOffice conversion, the CLI runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Before any test module imports xlwings: its JSON engine is registered at import only when a licence key is set
# (PolyForm Noncommercial, which allows government use).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "workbooks" / "sources"
CONFIGS = ROOT / "workbooks" / "configs"
DATA = Path(__file__).resolve().parent / "data"
FOREIGN = DATA / "foreign"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice for headless conversion; CI must have it (a skip there would hide a failure)."""
    path = soffice_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice is not installed")
    return path


def convert(soffice: str, source: Path, target_format: str, out_dir: Path) -> Path:
    """Convert with LibreOffice headless, e.g. target_format "xlsx", "xls", "ods", "pdf", "csv"."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    target_format, "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=180)
    converted = out_dir / f"{source.stem}.{target_format.split(':')[0]}"
    assert converted.exists(), f"LibreOffice did not write {converted}"
    return converted


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "xltasks", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def cli_json(*args: str) -> tuple[int, dict]:
    done = run_cli(*args, "--json")
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def write_table(path: Path, rows: list[list[object]], merges: list[str] = (), sheet: str = "Sheet1") -> Path:
    """A source table as an xlsx: rows from A1, merges as "A3:A5"; "=..." strings are stored as text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a clerk typed it ('=...)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """The command in-process, as the console script runs it: (exit code, stdout, stderr)."""
    from xltasks.cli.app import main

    with pytest.raises(SystemExit) as exited:
        main(argv)
    out = capsys.readouterr()
    return exited.value.code, out.out, out.err
