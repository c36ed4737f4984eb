"""Cell rules: each input of a row or of the header block normalised and checked, one finding a cell.

Error values, merged inputs and formulas first, then the schema's types, lists, ranges and dates, and its if/then
rules across fields (a 进展状态 of 已完成 needs 完成进度 100 and a 实际完成日期).
"""

from __future__ import annotations

import datetime as dt

from xltasks.core.normalise import normalise, shown
from xltasks.core.schemas import gate, load_schema, validator
from xltasks.core.validation.model import Collector, ReturnData


def cell_findings(schema_name: str, values: dict[str, tuple[object, str]], place: str, sheet: str,
                  task_id: str | None, data: ReturnData, today: dt.date, out: Collector,
                  programme_start: str = "") -> dict:
    """Normalise one row's (or the header block's) inputs, check them with the schema, report per cell.
    `values` maps a property to (cell value, A1). Returns the normalised instance."""
    schema = load_schema(schema_name)
    props = schema["properties"]
    instance: dict = {}
    cells: dict[str, str] = {}
    final, out = out, Collector(out.path)  # this row's findings, put in column order at the end
    error_keys: set[str] = set()
    for key, (raw, ref) in values.items():
        prop = props[key]
        cells[key] = ref
        where = dict(sheet=sheet, cell=ref, task_id=task_id, field=prop["title"], place=place)
        got = normalise(prop, raw)
        if (sheet, ref) in data.errors:
            out.add("cell.error-value", value=data.errors[(sheet, ref)], **where)
            error_keys.add(key)
            continue
        if (sheet, ref) in data.merged:  # shows the value of the range's first cell, holds nothing itself
            out.add("cell.merged-input", detail=data.merged[(sheet, ref)], **where)
            error_keys.add(key)
            continue
        if (sheet, ref) in data.formulas:
            out.add("cell.formula", value=f"“{got.shown}”" if got.shown else "空", **where)
        if got.value is None:
            continue
        if got.stripped:
            out.add("cell.control-chars", **where)
        if got.doubt:
            out.add("cell.number-lost-zero", value=got.shown, **where)
        elif got.note:
            out.add("cell.normalised", value=got.shown, detail=got.note, **where)
        if isinstance(got.value, str) and got.value[:1] in "=+-@" and prop.get("type") == "string" \
                and "format" not in prop and "pattern" not in prop:  # "+86 ..." is a phone number, not a formula
            out.add("cell.formula-like", detail=got.value[:1], **where)
        instance[key] = got.value
    for clause in schema.get("allOf", []):
        # "100%" typed into a percent-formatted cell arrives as 1: where the row's own rule asks for 100, read it so
        (if_key, if_prop), = clause["if"]["properties"].items()
        if instance.get(if_key) == if_prop["const"]:
            for key, prop in clause["then"].get("properties", {}).items():
                if prop.get("const") == 100 and instance.get(key) == 1:
                    instance[key] = 100
                    out.add("cell.normalised", sheet=sheet, cell=cells[key], task_id=task_id, field=props[key]["title"],
                            place=place, value="1", detail="100（即100%）")
    bad_dates = {k for k, v in instance.items() if props[k].get("format") == "date" and not _iso_date(v)}
    if gate(schema_name)(instance) and not bad_dates:
        errors = []
    else:
        errors = list(validator(schema_name).iter_errors(instance))
    reported: set[str] = set(error_keys)  # a cell showing #DIV/0! has said all it needs to
    for error in errors:
        _report_error(error, schema, instance, cells, place, sheet, task_id, out, reported)
    for key, value in instance.items():
        if key in reported or not _iso_date(value):
            continue
        where = dict(sheet=sheet, cell=cells[key], task_id=task_id, field=props[key]["title"], place=place, value=value)
        if props[key].get("x-not-after") == "today" and dt.date.fromisoformat(value) > today:
            out.add("cell.future-date", **where)
        elif "x-not-before" in props[key] and value < props[key]["x-not-before"]:
            out.add("cell.too-early", detail=props[key]["x-not-before"], **where)
        elif key == "done_date" and programme_start and value < programme_start:
            out.add("cell.too-early", detail=f"项目开始日期{programme_start}", **where)
    order = {ref: i for i, ref in enumerate(cells.values())}
    final.items += sorted(out.items, key=lambda f: order.get(f.cell, len(order)))
    return instance


def _iso_date(value: object) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10


def _report_error(error, schema: dict, instance: dict, cells: dict[str, str], place: str, sheet: str,
                  task_id: str | None, out: Collector, reported: set[str]) -> None:
    props = schema["properties"]
    path = list(error.schema_path)
    if "then" in path:  # an if/then rule across fields: name the condition
        clause = schema["allOf"][path[1]]
        (if_key, if_prop), = clause["if"]["properties"].items()
        key = error.path[0] if error.path else error.message.split("'")[1]
        title = props[key]["title"]
        if error.validator == "required":
            detail = f"「{title}」（{cells.get(key, '')}）必须填写。"
        else:
            detail = f"「{title}」应为{error.validator_value}，当前为{shown(instance.get(key))}。"
        out.add("rule.contradiction", sheet=sheet, cell=cells.get(key) or cells.get(if_key), task_id=task_id,
                field=title, place=place, if_field=props[if_key]["title"], if_value=if_prop["const"], detail=detail)
        reported.add(key)
        return
    if error.validator == "required":
        key = error.message.split("'")[1]
        if key in cells and key != "task_id" and key not in reported:  # a missing column: once, not per row
            out.add("cell.required", sheet=sheet, cell=cells.get(key), task_id=task_id, field=props[key]["title"],
                    place=place)
            reported.add(key)
        return
    if not error.path or error.path[0] not in props or error.path[0] in reported:
        return  # one finding per cell: the first rule it breaks
    key = error.path[0]
    prop = props[key]
    where = dict(sheet=sheet, cell=cells.get(key), task_id=task_id, field=prop["title"], place=place,
                 value=shown(instance.get(key)))
    reported.add(key)
    if error.validator == "enum":
        out.add("cell.not-in-list", detail="、".join(prop["enum"]), **where)
    elif error.validator == "type" and prop.get("type") in ("number", "integer"):
        out.add("cell.not-a-number", **where)
    elif error.validator in ("minimum", "maximum"):
        out.add("cell.out-of-range", detail=f"{prop.get('minimum', '')}–{prop.get('maximum', '')}", **where)
    elif error.validator == "format":
        out.add("cell.not-a-date", **where)
    elif error.validator == "maxLength":
        out.add("cell.too-long", detail=str(len(str(instance[key]))), limit=prop["maxLength"], **where)
    else:
        out.add("cell.bad-format", detail=prop.get("description", ""), **where)
