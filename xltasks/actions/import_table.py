"""import: a published task table (.xlsx/.xls/.ods/.docx) into a new master workbook."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.config import Config
from xltasks.core.programme import Programme, build_programme
from xltasks.files.master.write import save_master
from xltasks.files.master.writer_lock import writes_master
from xltasks.files.sources.tables import read_source
from xltasks.files.xlsx.safe_write import FileSignature, WriteRefused, write_atomically


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


def _refuse_merged_master(master: Path) -> None:
    """A master that has merged returns holds months of work a fresh import would not carry over: refuse, and
    say what would be lost."""
    import python_calamine

    from xltasks.files.xlsx.book_read import SheetData
    from xltasks.files.master.history import history_rounds
    from xltasks.files.master.layout import HISTORY_SHEET

    if not master.is_file():
        return
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(master))
        try:
            if HISTORY_SHEET not in book.sheet_names:
                return
            rows = book.get_sheet_by_name(HISTORY_SHEET).to_python(skip_empty_area=False)
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - not a workbook we can read: nothing of ours to lose; the backup keeps it
        return
    rounds = history_rounds([SheetData(HISTORY_SHEET, [list(r) for r in rows])])
    if rounds:
        raise WriteRefused(f"“{master.name}”已汇总过{len(rounds)}期报送（{'、'.join(rounds[:6])}），用 --force 重新导入会"
                           "丢掉历次进展、报送记录和协调员在总台账中添加的内容。如确需从头开始，请先把它改名或移到别处，再导入。")


@writes_master()
def import_table(source: Path, master: Path | None, config: Config, *, force: bool = False) -> ImportResult:
    """Read the source and write the master (atomically; an existing master only with force, and backed up)."""
    source = Path(source)
    programme = read_programme(source, config)
    backup = None
    read_as = None
    if master is not None and force and Path(master).is_file():
        read_as = FileSignature.of(Path(master))  # what is checked and backed up; saved meanwhile: not replaced
    if master is not None and force:
        _refuse_merged_master(Path(master))
    if master is not None:
        digest = sha256_of(source)
        backup = write_atomically(Path(master), lambda temp: save_master(
            programme, source.name, digest, temp, config.programme_start, config.status_labels, config.status_colors),
                                  replace=force, expected=read_as)
    return ImportResult(source, master, programme, backup)
