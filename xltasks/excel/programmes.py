"""The programmes a server keeps: each one's master, inbox and outbox folders, from a TOML file the IT person writes.

```toml
[[programme]]
master = "/srv/xltasks/铜川/总台账.xlsx"   # the programme's master on the server
inbox = "/srv/xltasks/铜川/报送表"         # returns received (批量校验, 汇总报送 read here)
outbox = "/srv/xltasks/铜川/下发表"        # returns issued (生成下发表 writes here)
config = "/srv/xltasks/铜川/铜川.toml"     # optional: the office's config, as for the terminal commands
```
A request is matched to a programme by the programme ID in its workbook's hidden sheet, never by a path it sends.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.config import Config, ConfigError, parse_config
from xltasks.core.returns import META_SHEET


@dataclass(frozen=True)
class Programme:
    master: Path
    inbox: Path
    outbox: Path
    config: Config | None
    programme_id: str


class ProgrammesError(Exception):
    """The server's programme file cannot be used; the message says why in Chinese."""


def _programme_id(master: Path) -> str:
    from xltasks.core.findings import SourceError
    from xltasks.files.master.read import read_master

    try:
        return read_master(master).programme_id
    except SourceError as exc:
        raise ProgrammesError(f"总台账“{master}”无法读取：{exc.finding.message}") from exc


def load_programmes(path: Path) -> list[Programme]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProgrammesError(f"项目配置文件“{path}”无法读取：{exc}") from exc
    found = []
    for i, entry in enumerate(data.get("programme", []), start=1):
        try:
            master, inbox, outbox = (Path(entry[k]).expanduser().resolve() for k in ("master", "inbox", "outbox"))
        except (KeyError, TypeError) as exc:
            raise ProgrammesError(f"项目配置文件“{path}”第{i}个项目缺少 master、inbox 或 outbox。") from exc
        config = None
        if entry.get("config"):
            try:
                config = parse_config(Path(entry["config"]).read_text(encoding="utf-8-sig"))
            except (OSError, ConfigError) as exc:
                raise ProgrammesError(f"项目“{master.name}”的配置文件有误：{exc}") from exc
        found.append(Programme(master, inbox, outbox, config, _programme_id(master)))
    return found


def workbook_programme_id(book) -> str:
    """The programme ID in the open workbook's hidden sheet (a master's source_sha256, a return's programme_id)."""
    from xltasks.excel.book import sheet_names, sheet_rows

    if META_SHEET not in sheet_names(book):
        return ""
    facts = {str(r[0]): str(r[1]) for r in sheet_rows(book, META_SHEET) if len(r) > 1 and r[0]}
    return facts.get("source_sha256") or facts.get("programme_id") or ""


def find_programme(programmes: list[Programme], book) -> Programme | None:
    wanted = workbook_programme_id(book)
    return next((p for p in programmes if wanted and p.programme_id == wanted), None)
