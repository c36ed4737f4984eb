"""Re-import the sample sources into workbooks/masters/ (run after build_samples.py)."""

from __future__ import annotations

from pathlib import Path

from xltasks.actions.import_table import import_table
from xltasks.core.config import parse_config

HERE = Path(__file__).resolve().parent


def build() -> list[Path]:
    out = []
    for name, config in (("yanta-tasks", "yanta.toml"), ("tongchuan-tasks", "tongchuan.toml")):
        settings = parse_config((HERE / "configs" / config).read_text(encoding="utf-8"))
        target = HERE / "masters" / f"{name.split('-')[0]}-master.xlsx"
        target.unlink(missing_ok=True)
        import_table(HERE / "sources" / f"{name}.xlsx", target, settings)
        out.append(target)
    return out


if __name__ == "__main__":
    for path in build():
        print(path)
