"""Settings that differ between offices: status colours and labels, warning window, header synonyms, units."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources

STATUSES = ("done", "on_track", "due_soon", "overdue", "not_reported", "rejected")
HEADER_FIELDS = ("number", "title", "content", "lead", "coop", "deadline", "remarks")


def _labels(labels: dict) -> dict[str, str]:
    """status -> label; each label must be non-empty and differ from the others (the workbook tells states apart
    by their labels)."""
    found = {key: str(value).strip() for key, value in labels.items()}
    if any(not label for label in found.values()):
        raise ConfigError("配置项 status.labels 中的状态名称不能为空。")
    if len(set(found.values())) < len(found):
        raise ConfigError("配置项 status.labels 中的状态名称不能重复，总台账靠名称区分状态和颜色。")
    return found


class ConfigError(Exception):
    """The config file is missing, not TOML, or has a value of the wrong kind; the message says which."""


@dataclass(frozen=True)
class Config:
    warning_days: int
    status_labels: dict[str, str]
    status_colors: dict[str, str]
    headers: dict[str, tuple[str, ...]]
    known_units: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    programme_start: dt.date | None = None  # completion dates before it are reported

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def default_toml() -> str:
    return resources.files("xltasks").joinpath("default_config.toml").read_text(encoding="utf-8")


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"配置项 {where} 应为文字列表，例如 [\"市民政局\", \"市财政局\"]。")
    return tuple(value)


def config_from_dict(data: dict) -> Config:
    """Build a Config from parsed TOML laid over the defaults, checking each value's kind."""
    data = _merge(tomllib.loads(default_toml()), data)
    status = data.get("status", {})
    days = status.get("warning_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ConfigError("配置项 status.warning_days 应为不小于0的整数（天数）。")
    colors = {k: str(v).lstrip("#").upper() for k, v in status.get("colors", {}).items()}
    for key in STATUSES:
        if len(colors.get(key, "")) != 6 or any(c not in "0123456789ABCDEF" for c in colors[key]):
            raise ConfigError(f"配置项 status.colors.{key} 应为6位十六进制颜色，例如 \"FFC7CE\"。")
    headers = {key: _str_list(data["headers"].get(key, []), f"headers.{key}") for key in HEADER_FIELDS}
    units = data.get("units", {})
    aliases = units.get("aliases", {})
    if not all(isinstance(v, str) for v in aliases.values()):
        raise ConfigError("配置项 units.aliases 的每一项应为 别名 = \"规范名称\"。")
    groups = {name: _str_list(members, f"units.groups.{name}") for name, members in units.get("groups", {}).items()}
    start = data.get("programme", {}).get("start")
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start.strip())
        except ValueError:
            start = False
    if start is not None and (not isinstance(start, dt.date) or isinstance(start, dt.datetime)):
        raise ConfigError("配置项 programme.start 应为日期，例如 2020-10-01。")
    return Config(
        programme_start=start,
        warning_days=days,
        status_labels=_labels(status.get("labels", {})),
        status_colors=colors,
        headers=headers,
        known_units=_str_list(units.get("known", []), "units.known"),
        aliases=dict(aliases),
        groups=groups,
    )


def parse_config(text: str | None) -> Config:
    """The defaults, with an office's TOML text (if any) laid over them."""
    try:
        data = tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件{toml_error_text(exc)}") from exc
    return config_from_dict(data)


def toml_error_text(exc: tomllib.TOMLDecodeError) -> str:
    """"不是有效的TOML格式（第3行第7列附近）…" from tomllib's English "... (at line 3, column 7)"."""
    found = re.search(r"line (\d+), column (\d+)", str(exc)) or re.search(r"line (\d+)", str(exc))
    where = ""
    if found:
        where = f"（第{found[1]}行" + (f"第{found[2]}列" if found.re.groups > 1 else "") + "附近）"
    return f"不是有效的TOML格式{where}，请检查引号、括号和等号。"
