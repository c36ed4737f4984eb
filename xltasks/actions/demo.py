"""demo: import both shipped sample programmes, from their published tables, into masters in one folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xltasks.actions.import_table import ImportResult, import_table
from xltasks.core.config import parse_config

# (source table, office config, master name) for each sample programme.
SAMPLES = [
    ("yanta-tasks.xlsx", "yanta.toml", "雁塔区重点任务-总台账.xlsx"),
    ("tongchuan-tasks.docx", "tongchuan.toml", "铜川市养老服务改革试点-总台账.xlsx"),
]


def sample_path(name: str) -> Path:
    return Path(str(resources.files("xltasks.workbooks.sources").joinpath(name)))


def sample_config_text(name: str) -> str:
    return resources.files("xltasks.workbooks.configs").joinpath(name).read_text(encoding="utf-8")


def run_demo(out_dir: Path) -> list[ImportResult]:
    """Import each sample into out_dir (created if needed; a master from an earlier demo is replaced and backed up)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [import_table(sample_path(source), out_dir / master, parse_config(sample_config_text(config)), force=True)
            for source, config, master in SAMPLES]
