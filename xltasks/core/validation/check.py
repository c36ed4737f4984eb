"""Check one return: the workbook, then its header block and rows, then the cells, capped at MAX_FINDINGS."""

from __future__ import annotations

import datetime as dt

from xltasks.core.findings import finding
from xltasks.core.returns import COOP_SHEET, LEAD_SHEET
from xltasks.core.status import round_end, same_round
from xltasks.core.validation.header_rules import header_block
from xltasks.core.validation.model import MAX_FINDINGS, Collector, Expectation, ReturnData, ReturnReport
from xltasks.core.validation.row_rules import ROWS_NOT_MERGED, check_rows
from xltasks.core.validation.workbook_rules import own_output, read_meta, unfilled


def validate_return(data: ReturnData, expect: Expectation | None = None, round_name: str | None = None,
                    today: dt.date | None = None, as_of: dt.date | None = None) -> ReturnReport:
    """Every finding about one return, capped at MAX_FINDINGS (then one info finding says so). A task counts as
    overdue (its 存在问题 required) as of the round's status date (`as_of`, else the end of the period the round
    names) or today, whichever is earlier: a November return merged on 3 December owes no reason for a task
    due on 1 December."""
    today = today or dt.date.today()
    overdue_on = min(today, as_of or (round_end(round_name) if round_name else None) or today)
    out = Collector(data.path)
    own = own_output(data)
    if own:
        out.add("file.skipped", detail=own)
        return ReturnReport(data.path, findings=out.items)
    if data.kind != "xlsx":
        out.add("file.converted", detail=f".{data.kind}" if data.kind == "ods" else
                f".{data.kind}（这种格式无法检查单元格是否为公式或错误值）")
    meta = read_meta(data, out)
    unit = (expect.aliases.get(meta["unit"], meta["unit"]) if expect else meta["unit"]) if meta else ""
    report = ReturnReport(data.path, unit, meta["round"] if meta else "", created=meta["created"] if meta else "")
    if meta:
        if round_name and not same_round(meta["round"], round_name):
            out.add("workbook.wrong-round", detail=meta["round"], expected=round_name)
        if expect and meta["programme_id"] != expect.programme_id and \
                not (expect.programme and meta["programme"] == expect.programme):
            out.add("workbook.other-programme", detail=meta["programme"])
        elif expect and unit not in expect.shares:
            out.add("workbook.unit-unknown", detail=meta["unit"])
        if expect and meta["programme_id"] != expect.programme_id and expect.programme \
                and meta["programme"] == expect.programme:
            out.add("workbook.reimported", detail=meta["programme"])
    if meta or LEAD_SHEET in data.sheets or COOP_SHEET in data.sheets:  # else not a return at all: said once
        report.header = header_block(data, meta, today, out)
        report.rows = {role: check_rows(data, meta, role, expect, report.unit, today, out, overdue_on)
                       for role in ("lead", "coop")}
        if meta and unfilled(report, out.items, out.typed):  # a blank issued return lying among the filled ones
            out.items.insert(0, finding("workbook.unfilled", path=data.path))  # then what is still to fill
        moved = [f for f in out.items if f.code in ROWS_NOT_MERGED]
        if moved and not any(report.rows.values()):
            out.add("workbook.nothing-left", detail=meta["unit"] if meta else report.unit)
    findings = out.items
    if len(findings) > MAX_FINDINGS:
        findings = findings[:MAX_FINDINGS] + [finding("file.too-many-findings", path=data.path,
                                                      detail=str(MAX_FINDINGS))]
    report.findings = findings
    return report
