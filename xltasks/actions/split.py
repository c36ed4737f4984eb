"""split: one return workbook (报送表) per responsible unit for a reporting round."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from xltasks.core.assignment import Assignment, assign, expand
from xltasks.core.config import Config
from xltasks.core.findings import Finding
from xltasks.core.oserrors import describe_os_error
from xltasks.core.orphans import die_with_parent
from xltasks.core.returns import return_file_name
from xltasks.core.units import split_units
from xltasks.files.master.read import MasterBook, read_master
from xltasks.files.returns.write import RoundInfo, write_return
from xltasks.files.xlsx.safe_write import WriteRefused, cell_text, lock_file, write_atomically

MAX_ROUND_CHARS = 40


class SplitRefused(Exception):
    """split cannot go on: an empty round name or a unit asked for that has no tasks; the message is Chinese."""


@dataclass
class ReturnFile:
    path: Path
    share: Assignment
    backup: Path | None = None


@dataclass
class SplitResult:
    master: Path
    round: str
    output: Path
    files: list[ReturnFile]
    groups: dict[str, tuple[str, ...]]
    unassigned: list[str]
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict:
        """The --json output (schemas/split-result.schema.json)."""
        used = {g for f in self.files for g in f.share.via_group.values()}
        return {
            "master": str(self.master), "round": self.round, "output": str(self.output),
            "files": [{"path": str(f.path), "unit": f.share.unit, "tasks": [t.task_id for t in f.share.lead],
                       "coop_tasks": [t.task_id for t in f.share.coop], "via_group": dict(f.share.via_group)}
                      for f in self.files],
            "groups": {g: list(self.groups[g]) for g in sorted(used)},
            "unassigned": self.unassigned,
            "warnings": [f.to_dict() for f in self.findings],
        }


def _round_name(text: str) -> str:
    name = " ".join(cell_text(str(text)).split())
    if not name:
        raise SplitRefused("请用 --round 指定报送期次，例如 --round 2026年11月。")
    if len(name) > MAX_ROUND_CHARS:
        raise SplitRefused(f"报送期次“{name[:20]}…”太长，请不超过{MAX_ROUND_CHARS}个字。")
    return name


def _chosen(shares: list[Assignment], wanted: list[str], book: MasterBook,
            groups: dict[str, tuple[str, ...]]) -> list[Assignment]:
    """Only the units asked for: by name, alias or group (its members), several per option allowed ("A、B")."""
    if not wanted:
        return shares
    names = [book.aliases.get(n, n) for w in wanted for n in split_units(w)]
    if not names:
        raise SplitRefused("--units 后面没有单位名称；要下发给全部单位，请去掉 --units。")
    names = [m for n in names for m in expand(n, groups)]
    by_name = {s.unit: s for s in shares}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SplitRefused(f"没有要下发给“{'、'.join(unknown)}”的任务。本期可下发的单位："
                           f"{'、'.join(by_name)}。")
    return [by_name[n] for n in dict.fromkeys(names)]


def _unique_paths(out_dir: Path, round_name: str, shares: list[Assignment]) -> list[Path]:
    """One file name per unit; two units whose names clean up the same (ignoring case, as Windows does) get
    "-2", "-3"."""
    paths: list[Path] = []
    taken: set[str] = set()
    for share in shares:
        base = return_file_name(round_name, share.unit)
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = base.replace("-报送表.xlsx", f"-{n}-报送表.xlsx")
        taken.add(name.casefold())
        paths.append(out_dir / name)
    return paths


def split(master: Path, out_dir: Path, round_name: str, config: Config | None = None, *,
          units: list[str] = (), with_coop: bool = False, due: dt.date | None = None, contact: str = "",
          force: bool = False, jobs: int | None = None,
          progress: Callable[[ReturnFile], None] | None = None) -> SplitResult:
    """Read the master, share its tasks out and write every unit's return; nothing is written if any target
    is refused (exists without `force`, or open in Excel)."""
    round_name = _round_name(round_name)
    book = read_master(Path(master), config.aliases if config else None)
    groups = dict(book.groups)
    if config is not None:
        groups.update(config.groups)
    shares, findings = assign(book.tasks, groups, with_coop=with_coop, path=str(master))
    sent = {t.task_id for s in shares for t in s.lead}
    unassigned = [t.task_id for t in book.tasks if t.task_id not in sent]
    shares = _chosen(shares, list(units), book, groups)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefused(f"无法创建输出文件夹，报送表未生成。{describe_os_error(exc, out_dir)}") from exc
    paths = _unique_paths(out_dir, round_name, shares)
    existing = [p.name for p in paths if p.exists()]
    if existing and not force:
        raise WriteRefused(f"文件夹“{out_dir}”中已有本期报送表（{'、'.join(existing[:3])}{'等' if len(existing) > 3 else ''}）。"
                           "已下发的表不会被覆盖；确需重新生成，请加 --force（原文件自动备份）。")
    locked = [lock.name for p in paths if (lock := lock_file(p))]
    if locked:
        raise WriteRefused(f"有报送表正在被打开（发现锁文件“{locked[0]}”），请先在Excel/WPS中关闭后再试。")
    info = RoundInfo(round_name, due, cell_text(contact), dt.datetime.now().astimezone())
    work = [(book.programme, book.programme_id, book.office, share, info, path) for share, path in zip(shares, paths)]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work)))
    if jobs == 1 or len(work) < PROCESS_POOL_FROM:
        backups = (_write_return(item) for item in work)
        pool = None
    else:  # building a workbook is Python work that holds the GIL: worker processes, each sent its units only
        pool = ProcessPoolExecutor(jobs, initializer=die_with_parent)  # a killed split takes them with it
        backups = pool.map(_write_return, work, chunksize=max(1, min(16, len(work) // (jobs * 4))))
    files = []
    try:
        for (*_, share, _, path), backup in zip(work, backups):
            files.append(ReturnFile(path, share, backup))
            if progress:
                progress(files[-1])
    except OSError as exc:  # a full disk midway: say which returns were written before it
        done = f"已生成{len(files)}个报送表（{files[-1].path.name}等），其余未生成。" if files else "报送表均未生成。"
        raise WriteRefused(done + describe_os_error(exc, out_dir)) from exc
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return SplitResult(Path(master), round_name, out_dir, files, groups, unassigned, book.findings + findings)


BACKUP_FOLDER = "备份"  # returns replaced by --force are kept here, not among the returns to send
PROCESS_POOL_FROM = 32  # as validate: below this many returns, starting processes costs more than it saves


def _write_return(item: tuple) -> Path | None:
    programme, programme_id, office, share, info, path = item
    return write_atomically(path, lambda temp: write_return(temp, programme, programme_id, office, share, info),
                            replace=True, backup_dir=path.parent / BACKUP_FOLDER)
