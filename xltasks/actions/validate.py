"""validate: check returns, one file or folders of thousands, and report every problem pinned to a cell."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from xltasks.core.assignment import assign
from xltasks.core.findings import SourceError, finding
from xltasks.core.orphans import die_with_parent
from xltasks.core.validation.check import validate_return
from xltasks.core.validation.model import Expectation, ReturnReport
from xltasks.files.master.read import MasterBook, read_master
from xltasks.files.returns.read import read_return
from xltasks.files.sources.sniff import entry_refusal, is_link, leads_out

SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


@dataclass
class ValidateResult:
    files: list[ReturnReport]

    def summary(self) -> dict:
        count = lambda severity: sum(f.severity == severity for r in self.files for f in r.findings)  # noqa: E731
        return {"files": len(self.files), "valid": sum(r.valid for r in self.files),
                "invalid": sum(not r.valid for r in self.files), "errors": count("error"),
                "warnings": count("warning"), "infos": count("info")}

    def to_json(self) -> dict:
        """The --json output (schemas/validate-result.schema.json)."""
        return {"files": [{"path": r.path, "unit": r.unit, "round": r.round, "valid": r.valid,
                           "findings": [f.to_dict() for f in r.findings]} for r in self.files],
                "summary": self.summary()}


def _skip_reason(path: Path) -> str:
    if path.name.startswith("~$"):
        return "Excel/WPS打开文件时留下的锁文件"
    if ".备份-" in path.stem:
        return "xltasks 保留的备份"  # an annotated copy (-校验意见) is checked: a clerk may fix it and send it back
    if path.name.startswith((".~lock", ".xltasks-", "~")) or path.suffix.lower() in (".tmp", ".bak"):
        return "临时文件"
    return ""


class Found(NamedTuple):
    """A file to check, and the folders given that a link found while walking must not lead out of (None for a
    file named directly, which may live anywhere)."""

    path: Path
    within: tuple[Path, ...] | None


def _listed(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES or name.startswith(".~lock")


def _walk(folder: Path, within: tuple[Path, ...]) -> list[Path]:
    """Every entry under `folder` named like a spreadsheet, whatever it is (a link, a pipe: checked later without
    opening), and the links to folders that lead out of `within`; links to folders are never followed."""
    found: list[Path] = []
    for here, folders, names in os.walk(folder):
        here_path = Path(here)
        found += [here_path / name for name in names if _listed(name)]
        links = [name for name in folders if is_link(here_path / name)]
        folders[:] = [name for name in folders if name not in links]  # never walked into, whatever os.walk thinks
        found += [here_path / name for name in links if leads_out(here_path / name, within)]
    return sorted(found)


def inbox_files(paths: list[Path], besides: Path | None = None) -> list[Found]:
    """The files named, and every spreadsheet under the folders named (recursively), in a stable order; never
    `besides` (the master being merged into, when it lies among its returns). A link found in a folder may point
    into any of the folders given."""
    paths = list(map(Path, paths))
    within = tuple(Path(os.path.realpath(p)) for p in paths if p.is_dir())
    found: list[Found] = []
    for path in paths:
        if path.is_dir():
            found += [Found(p, within) for p in _walk(path, within)]
        else:
            found.append(Found(path, None))
    if besides is not None and besides.exists():
        found = [f for f in found if not (f.path.exists() and os.path.samefile(f.path, besides))]
    first: dict[Path, Found] = {}
    for f in found:
        first.setdefault(f.path, f)  # a file named and also under a folder named: where it came first decides
    return list(first.values())


def find_returns(paths: list[Path], besides: Path | None = None) -> list[Path]:
    """The paths inbox_files finds."""
    return [f.path for f in inbox_files(paths, besides)]


def expectation(master: Path | MasterBook, groups: dict[str, tuple[str, ...]] | None = None) -> Expectation:
    """What the master expects (the book, if the caller has read it already, with the config's `groups` on top of
    the master's): raises SourceError when the master cannot be read (the command cannot run)."""
    book = master if isinstance(master, MasterBook) else read_master(master)
    shares, _ = assign(book.tasks, {**book.groups, **(groups or {})}, with_coop=True)
    return Expectation(book.programme_id, {t.task_id: t for t in book.tasks}, {s.unit: s for s in shares},
                       book.meta.get("programme_start", ""), book.aliases, book.programme)


def check_file(path: Path, expect: Expectation | None, round_name: str | None, today: dt.date,
               as_of: dt.date | None = None, within: tuple[Path, ...] | None = None) -> ReturnReport:
    """One file's report; a file that cannot be read is a report with one finding, never an exception. A file
    refused from its directory entry (too large, a pipe or device, a link out of `within`) is never opened."""
    reason = _skip_reason(path)
    if reason:
        return ReturnReport(str(path), findings=[finding("file.skipped", path=str(path), detail=reason)])
    refused = entry_refusal(path, within)
    if refused:
        return ReturnReport(str(path), findings=[refused])
    try:
        data = read_return(path)
    except SourceError as exc:
        return ReturnReport(str(path), findings=[exc.finding])
    except MemoryError:
        return ReturnReport(str(path), findings=[finding("source.too-large", path=str(path), detail="内存不足")])
    return validate_return(data, expect, round_name, today, as_of)


_WORKER: dict = {}
PROCESS_POOL_FROM = 32  # below this many files, starting worker processes costs more than it saves


def _start_worker(expect: Expectation | None, round_name: str | None, today: dt.date, as_of: dt.date | None) -> None:
    die_with_parent()  # a merge killed with -9 takes its checking processes with it
    _WORKER.update(expect=expect, round_name=round_name, today=today, as_of=as_of)  # once per process, not per file


def _check_in_worker(found: Found) -> ReturnReport:
    return check_file(found.path, _WORKER["expect"], _WORKER["round_name"], _WORKER["today"], _WORKER["as_of"],
                      found.within)


def validate(paths: list[Path], master: Path | Expectation | None = None, round_name: str | None = None, *,
             jobs: int | None = None, today: dt.date | None = None, as_of: dt.date | None = None,
             progress: Callable[[ReturnReport], None] | None = None, besides: Path | None = None) -> ValidateResult:
    """Check every return under `paths`, in the files' order. A batch runs on `jobs` processes: checking is
    Python work that holds the GIL, and a worker sends back only its small report, never the rows (which is why
    processes pay off here while they do not for reading alone). Only reports are kept, so memory stays flat."""
    expect = master if isinstance(master, Expectation) else expectation(master) if master else None
    files = inbox_files(paths, besides)
    today = today or dt.date.today()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files) or 1))
    reports: list[ReturnReport] = []
    if jobs == 1 or len(files) < PROCESS_POOL_FROM:
        results = (check_file(f.path, expect, round_name, today, as_of, f.within) for f in files)
        pool = None
    else:
        pool = ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=(expect, round_name, today, as_of))
        results = pool.map(_check_in_worker, files, chunksize=max(1, min(64, len(files) // (jobs * 8))))
    try:
        for report in results:
            reports.append(report)
            if progress:
                progress(report)
    except BrokenProcessPool:
        # A file killed its worker (a reader crash outside Python). Go on file by file, each in a process of its
        # own, so the culprit becomes a finding and every other file is still checked.
        for found in files[len(reports):]:
            report = _isolated(found, expect, round_name, today, as_of)
            reports.append(report)
            if progress:
                progress(report)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return ValidateResult(reports)


def _isolated(found: Found, expect: Expectation | None, round_name: str | None, today: dt.date,
              as_of: dt.date | None = None) -> ReturnReport:
    with ProcessPoolExecutor(1, initializer=_start_worker, initargs=(expect, round_name, today, as_of)) as single:
        try:
            return single.submit(_check_in_worker, found).result()
        except BrokenProcessPool:
            return ReturnReport(str(found.path), findings=[finding("source.corrupt", path=str(found.path),
                                                                   detail="读取时程序异常终止")])


ANNOTATABLE = {".xlsx", ".xlsm"}


def write_report(result: ValidateResult, path: Path) -> None:
    """The coordinator's workbook (按单位, 按文件, 问题清单), written atomically."""
    from xltasks.files.xlsx.safe_write import write_atomically
    from xltasks.files.returns.report import build_report

    write_atomically(Path(path), lambda temp: build_report(result.files, Path(path)).save(temp), replace=True)


def annotated_name(source: Path) -> str:
    return f"{source.stem}-校验意见{source.suffix}"


def write_annotations(result: ValidateResult, out_dir: Path) -> list[tuple[Path, Path | None]]:
    """A marked-up copy of each failing return in out_dir: (original, copy), the copy None where the file is
    not an .xlsx (an .xls/.ods cannot be marked up without converting it; its findings are in the report)."""
    from xltasks.files.returns.annotate import annotate_copy
    from xltasks.files.xlsx.safe_write import write_atomically

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done: list[tuple[Path, Path | None]] = []
    taken: set[str] = set()
    for report in result.files:
        source = Path(report.path)
        if report.valid or not source.is_file():
            continue
        if source.suffix.lower() not in ANNOTATABLE or report.findings[0].code.startswith("source."):
            done.append((source, None))
            continue
        name, n = annotated_name(source), 1
        while name.casefold() in taken:  # two returns of the same name from different folders
            n += 1
            name = annotated_name(source).replace("-校验意见", f"-校验意见-{n}")
        taken.add(name.casefold())
        target = out_dir / name
        if target.resolve() == source.resolve():
            done.append((source, None))
            continue
        try:
            write_atomically(target, lambda temp, s=source, r=report: annotate_copy(s, temp, r.findings), replace=True)
        except (KeyError, AttributeError, ValueError, IndexError, zipfile.BadZipFile):  # too odd to mark up:
            # its findings are still in the report and the JSON
            done.append((source, None))
            continue
        done.append((source, target))
    return done
