"""demo: import both shipped sample programmes into masters, and split each into this month's return workbooks."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from xltasks.actions.import_table import ImportResult, import_table
from xltasks.actions.split import SplitResult, split
from xltasks.core.config import parse_config

# (source table, office config, master name, folder for the returns) for each sample programme.
SAMPLES = [
    ("yanta-tasks.xlsx", "yanta.toml", "雁塔区重点任务-总台账.xlsx", "雁塔区重点任务-报送表"),
    ("tongchuan-tasks.docx", "tongchuan.toml", "铜川市养老服务改革试点-总台账.xlsx", "铜川市养老服务改革试点-报送表"),
]


def sample_path(name: str) -> Path:
    return Path(str(resources.files("xltasks.workbooks.sources").joinpath(name)))


def sample_config_text(name: str) -> str:
    return resources.files("xltasks.workbooks.configs").joinpath(name).read_text(encoding="utf-8")


def run_demo(out_dir: Path, today: dt.date | None = None) -> list[tuple[ImportResult, SplitResult]]:
    """Import each sample into out_dir and split it for this month's round, cooperating units included.
    out_dir is created if needed; what an earlier demo wrote is replaced and backed up."""
    today = today or dt.date.today()
    round_name = f"{today.year}年{today.month}月"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for source, config_name, master, returns in SAMPLES:
        config = parse_config(sample_config_text(config_name))
        imported = import_table(sample_path(source), out_dir / master, config, force=True)
        results.append((imported, split(out_dir / master, out_dir / returns, round_name, config, with_coop=True,
                                        force=True)))
    return results
