"""Workbook rules: intact metadata, columns in place, our own outputs and blank returns told apart.

The metadata is checked by schema and fingerprint; the header row is found by its labels; a validation report, a
master or a 历次进展 archive among the returns is passed over; a return nobody filled is told from a filled one.
"""

from __future__ import annotations

from xltasks.core.findings import Finding
from xltasks.core.grid import a1
from xltasks.core.normalise import shown
from xltasks.core.returns import META_SHEET, file_fingerprint, meta_from_rows
from xltasks.core.schemas import gate, validator
from xltasks.core.validation.model import HEADER_SCAN_ROWS, Collector, ReturnData, ReturnReport


def read_meta(data: ReturnData, out: Collector) -> dict | None:
    rows = data.sheets.get(META_SHEET)
    if rows is None:
        out.add("workbook.no-metadata")
        return None
    meta = meta_from_rows(rows)
    errors = [] if gate("return-meta")(meta) else \
        sorted(validator("return-meta").iter_errors(meta), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "整体"
        out.add("workbook.metadata-edited", detail=f"{where}不符合格式")
        return None
    if meta["fingerprint"] != file_fingerprint(meta):
        out.add("workbook.metadata-edited", detail="指纹不符")
        return None
    state = data.states.get(META_SHEET, "veryHidden")
    if state != "veryHidden":
        out.add("workbook.metadata-visible", detail={"hidden": "普通隐藏", "visible": "可见"}.get(state, state))
    return meta


def checked_meta(data: ReturnData) -> dict | None:
    """The return's metadata if it is intact (schema and fingerprint), else None: what the Excel buttons trust."""
    return read_meta(data, Collector(data.path))


def header_row(rows: list[list], headers: list[str], expected_row: int | None = None) -> tuple[int, dict[str, int]] | None:
    """The 0-based row holding the most of the expected headers (任务编号 among them), and each header's column.
    The row the metadata names is tried first: in an untouched return it holds them all."""
    if expected_row is not None and expected_row < len(rows):
        row = rows[expected_row]
        if [shown(v).strip() for v in row[:len(headers)]] == headers:
            return expected_row, {h: c for c, h in enumerate(headers)}
    best = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        labels = {shown(v).strip().replace(" ", ""): c for c, v in enumerate(row) if shown(v).strip()}
        found = {h: labels[h] for h in headers if h in labels}
        if "任务编号" in found and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def check_columns(sheet: str, headers: list[str], found: dict[str, int], out: Collector) -> None:
    for h in headers:
        if h not in found:
            out.add("workbook.column-missing", sheet=sheet, field=h)
    order = sorted((c, h) for h, c in found.items())
    expected = [h for h in headers if h in found]
    if [h for _, h in order] != expected:
        for position, (col, h) in enumerate(order):
            if expected[position] != h:
                out.add("workbook.column-moved", sheet=sheet, field=h, detail=f"现在在{a1(1, col + 1)[:-1]}列")


REPORT_SHEETS = {"按单位", "按文件", "问题清单"}
ARCHIVE_SHEET = "历次进展"  # the only sheet of a 历次进展 archive workbook


def own_output(data: ReturnData) -> str:
    """Files xltasks wrote that may sit among the returns: a validation report, a master."""
    if set(data.states) == REPORT_SHEETS:
        return "xltasks 生成的校验汇总表"
    if set(data.states) == {ARCHIVE_SHEET} and META_SHEET not in data.sheets:
        return "xltasks 从总台账移出的历次进展存档"
    rows = data.sheets.get(META_SHEET) or []
    if rows and rows[0][:2] and str(rows[0][1]).startswith("xltasks-master/"):
        return "总台账（不是报送表）"
    return ""


_EMPTY_ROW_FINDINGS = {"cell.required", "rule.overdue-needs-problems"}  # what a row nobody filled in gives


def unfilled(report: ReturnReport, findings: list[Finding], typed: bool) -> bool:
    """Nothing typed in at all: no header value, no input in any task row and nothing in any other cell of the
    tables (`typed`: a column a clerk inserted), nothing wrong but what an empty row gives."""
    rows = [instance for by_id in report.rows.values() for instance in by_id.values()]
    return bool(rows) and not typed and not report.header and all(set(instance) <= {"task_id"} for instance in rows) \
        and all(f.code in _EMPTY_ROW_FINDINGS for f in findings if f.severity != "info")
