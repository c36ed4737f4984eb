"""import: a published task table (.xlsx/.xls/.ods/.docx) into a new master workbook."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.config import Config
from xltasks.core.programme import Programme, build_programme
from xltasks.files.master import save_master
from xltasks.files.safe_write import write_atomically
from xltasks.files.sources import read_source


@dataclass
class ImportResult:
    """What import did: the programme it read and where the master went."""

    source: Path
    master: Path | None
    programme: Programme
    backup: Path | None = None

    def to_json(self) -> dict:
        """The --json output (schemas/import-result.schema.json)."""
        p = self.programme
        return {
            "source": str(self.source),
            "master": str(self.master) if self.master else None,
            "programme": p.title,
            "tasks": len(p.tasks),
            "task_ids": [t.task_id for t in p.tasks],
            "lead_units": p.lead_units,
            "numbered_tasks": p.numbered_tasks,
            "sections": p.sections,
            "units": [{"name": u.name, "group": u.is_group, "lead_tasks": u.lead_tasks, "coop_tasks": u.coop_tasks}
                      for u in p.units],
            "warnings": [f.to_dict() for f in p.findings],
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_programme(source: Path, config: Config) -> Programme:
    """The programme in a source file; raises SourceError when the file is not a readable task table."""
    grids, free_text = read_source(source)
    return build_programme(grids, config, str(source), free_text)


def import_table(source: Path, master: Path | None, config: Config, *, force: bool = False) -> ImportResult:
    """Read the source and write the master (atomically; an existing master only with force, and backed up)."""
    source = Path(source)
    programme = read_programme(source, config)
    backup = None
    if master is not None:
        digest = sha256_of(source)
        backup = write_atomically(Path(master), lambda temp: save_master(
            programme, source.name, digest, temp, config.programme_start, config.status_labels, config.status_colors),
                                  replace=force)
    return ImportResult(source, master, programme, backup)
