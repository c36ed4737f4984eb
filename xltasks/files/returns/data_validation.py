"""Excel's own checks for a return, generated from the row schemas: data validation, prompts, conditional formats.

Everything here works with macros blocked and in WPS and LibreOffice: only the standard <dataValidations> and
<conditionalFormatting> elements (no x14 extensions), formulas that all three evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataValidation:
    """One data validation as Excel stores it (the names are OOXML's); written by xlsxwriter."""

    type: str
    formula1: str
    error: str
    errorTitle: str
    promptTitle: str
    prompt: str
    formula2: str | None = None
    operator: str | None = None
FIRST_DATE = "DATE(2000,1,1)"
LAST_DATE = "DATE(2099,12,31)"
PROMPT_MAX, ERROR_MAX, TITLE_MAX = 255, 225, 32  # Excel's limits for input prompts, error messages and titles


def _excel_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def validation_for(prop: dict, top_left: str) -> DataValidation | None:
    """One property's data validation: list, number range, date range, text length or digits; None if free text."""
    header = prop["title"]
    kw: dict = {}
    if "enum" in prop:
        kw = dict(type="list", formula1=_excel_text(",".join(prop["enum"])),
                  error=f"「{header}」请从下拉列表中选择：{'、'.join(prop['enum'])}。")
    elif prop.get("type") in ("number", "integer"):
        low, high = prop.get("minimum", 0), prop.get("maximum", 10**9)
        kw = dict(type="whole" if prop["type"] == "integer" else "decimal", operator="between",
                  formula1=str(low), formula2=str(high), error=f"「{header}」请填{low}到{high}之间的数字，不要带%号或文字。")
    elif prop.get("format") == "date":
        last = "TODAY()" if prop.get("x-not-after") == "today" else LAST_DATE
        later = "，且不能晚于今天" if last == "TODAY()" else ""
        first = FIRST_DATE
        if "x-not-before" in prop:
            first = "DATE({},{},{})".format(*(int(part) for part in prop["x-not-before"].split("-")))
        kw = dict(type="date", operator="between", formula1=first, formula2=last,
                  error=f"「{header}」请填日期，例如2026-11-20{later}。")
    elif "x-digits-with" in prop:
        digits = f"TRIM({top_left})"
        for ch in prop["x-digits-with"].replace(" ", ""):
            digits = f"SUBSTITUTE({digits},{_excel_text(ch)},\"\")"
        digits = f"SUBSTITUTE({digits},\" \",\"\")"
        low, high = prop.get("minLength", 1), prop.get("maxLength", 255)
        kw = dict(type="custom", formula1=f"AND(LEN({top_left})>={low},LEN({top_left})<={high},ISNUMBER(--{digits}))",
                  error=f"「{header}」请填{low}到{high}位的电话号码，只能有数字和 - ( ) 等符号，例如0919-3188888。")
    elif "maxLength" in prop:
        kw = dict(type="textLength", operator="lessThanOrEqual", formula1=str(prop["maxLength"]),
                  error=f"「{header}」不能超过{prop['maxLength']}个字，当前内容过长，请精简。")
    if not kw:
        return None
    kw["error"] = kw["error"][:ERROR_MAX]
    return DataValidation(errorTitle=f"{header}填写有误"[:TITLE_MAX], promptTitle=header[:TITLE_MAX],
                          prompt=prop.get("description", "")[:PROMPT_MAX], **kw)


def validation_options(dv: DataValidation) -> dict:
    """The validation as xlsxwriter's options: the same type, formulas, prompt and message."""
    kind = {"textLength": "length"}.get(dv.type, dv.type)
    options: dict = {"validate": kind, "ignore_blank": True, "show_input": True, "show_error": True,
                     "error_type": "stop", "input_title": dv.promptTitle, "input_message": dv.prompt,
                     "error_title": dv.errorTitle, "error_message": dv.error}
    if kind == "list":
        options["source"] = dv.formula1.strip('"').split(",")
    elif kind == "custom":
        options["value"] = "=" + dv.formula1
    elif kind == "length":
        options.update(criteria="<=", value=int(dv.formula1))
    else:  # whole, decimal, date: between two numbers or formulas
        bound = (lambda f: "=" + f) if kind == "date" else (lambda f: int(f) if float(f).is_integer() else float(f))
        options.update(criteria="between", minimum=bound(dv.formula1), maximum=bound(dv.formula2))
    return {k: v for k, v in options.items() if v not in (None, "")}


def add_validations(ws, props: dict[str, dict], ranges: dict[str, str]) -> list[DataValidation]:
    """Add a validation for every property that has a range on this sheet; returns them (tests read them back)."""
    added = []
    for key, ref in ranges.items():
        dv = validation_for(props[key], ref.split(":")[0])
        if dv is not None:
            ws.data_validation(ref, validation_options(dv))
            added.append(dv)
    return added


def _empty(cell: str) -> str:
    return f"LEN(TRIM({cell}))=0"


def _differs(cell: str, value: object) -> str:
    return f"{cell}<>{_excel_text(value) if isinstance(value, str) else value}"


MISSING_FORMAT = {"bg_color": "#FCE4D6"}                              # still to fill in: light orange
WRONG_FORMAT = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}       # contradicts another input: red


def mark_missing(ws, fmt, ref: str) -> None:
    """Light orange while a required input is still empty (`fmt`: MISSING_FORMAT, made once per workbook)."""
    ws.conditional_format(ref, {"type": "formula", "criteria": "=" + _empty(ref.split(":")[0]), "format": fmt})


def mark_wrong(ws, fmt, ref: str, formula: str) -> None:
    """Red when the inputs contradict each other; stops lower rules (the orange one) on the same cell."""
    ws.conditional_format(ref, {"type": "formula", "criteria": "=" + formula, "format": fmt, "stop_if_true": True})


def conditional_rules(schema: dict, first: dict[str, str]) -> list[tuple[str, str]]:
    """(field, formula) pairs for the schema's `if status is X then ...` rules, written for the first row's cells
    (`first` maps a field to its cell in the first task row, with the column anchored: "$H6").

    Each `then` constraint marks its own cell, and the `if` field's cell is marked when any of them fails.
    """
    rules: list[tuple[str, str]] = []
    for clause in schema.get("allOf", []):
        (if_key, if_prop), = clause["if"]["properties"].items()
        condition = f"{first[if_key]}={_excel_text(if_prop['const'])}"
        broken: list[tuple[str, str]] = []
        for key, prop in clause["then"].get("properties", {}).items():
            broken.append((key, _differs(first[key], prop["const"])))
        for key in clause["then"].get("required", []):
            broken.append((key, _empty(first[key])))
        rules += [(key, f"AND({condition},{test})") for key, test in broken]
        rules.append((if_key, f"AND({condition},OR({','.join(test for _, test in broken)}))"))
    return rules


def overdue_rule(first: dict[str, str]) -> str:
    """Past its deadline and not done: 存在问题 must say why (TODAY() keeps the mark current as days pass)."""
    due, status, problems = first["due"], first["status"], first["problems"]
    return f'AND(ISNUMBER({due}),{due}<TODAY(),{status}<>"已完成",{_empty(problems)})'
