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

from xltasks.core.config import Config, ConfigError, config_from_dict, toml_error_text
from xltasks.core.oserrors import describe_os_error
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


def _read_toml(path: Path, what: str) -> dict:
    """The parsed TOML file, or ProgrammesError with the path and, in Chinese, why it cannot be used."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ProgrammesError(f"找不到{what}“{path}”，请检查路径。") from exc
    except OSError as exc:
        raise ProgrammesError(f"{what}{describe_os_error(exc, path)}") from exc
    except UnicodeDecodeError as exc:
        raise ProgrammesError(f"{what}“{path}”不是UTF-8编码的文本，请用记事本另存为UTF-8后再试。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammesError(f"{what}“{path}”{toml_error_text(exc)}") from exc


def load_programmes(path: Path) -> list[Programme]:
    data = _read_toml(path, "项目配置文件")
    found = []
    for i, entry in enumerate(data.get("programme", []), start=1):
        try:
            master, inbox, outbox = (Path(entry[k]).expanduser().resolve() for k in ("master", "inbox", "outbox"))
        except (KeyError, TypeError) as exc:
            raise ProgrammesError(f"项目配置文件“{path}”第{i}个项目缺少 master、inbox 或 outbox。") from exc
        config = None
        if entry.get("config"):
            what = f"项目“{master.name}”的配置文件"
            try:
                config = config_from_dict(_read_toml(entry["config"], what))
            except ConfigError as exc:
                raise ProgrammesError(f"{what}“{entry['config']}”有误：{exc}") from exc
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
