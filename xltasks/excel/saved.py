"""Whether the open workbook holds what its file on disk holds: a button that works on the file refuses otherwise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xltasks.core.findings import SourceError, finding
from xltasks.core.normalise import serial_date
from xltasks.excel.book import ERROR_VALUES


def _value(value: object) -> object:
    if value is None or value == "" or value in ERROR_VALUES:  # calamine reads an error cell as empty
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _trimmed(rows: list[list]) -> list[tuple]:
    out = []
    for row in rows:
        cells = [_value(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return out


def _same(a: object, b: object) -> bool:
    if a == b:
        return True
    # Office.js before ExcelApi 1.12 sends a date cell as its serial number
    for number, day in ((a, b), (b, a)):
        serial = serial_date(number) if isinstance(day, str) else None
        if serial is not None:
            return day == serial.isoformat() or day.startswith(serial.isoformat() + "T")
    return False


def same_values(a: list[list], b: list[list]) -> bool:
    """Equal as Excel shows them: empty is empty, 80 is 80.0, a date is its day, also when sent as its serial
    number (calamine and the clients differ in all three)."""
    left, right = _trimmed(a), _trimmed(b)
    return len(left) == len(right) and all(
        len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y)) for x, y in zip(left, right))


def file_sheets(path: Path, names: list[str]) -> dict[str, list[list]]:
    """The values of sheets `names` (those that exist) of the workbook at `path`, read with calamine."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                    for name in names if name in book.sheet_names}
        finally:
            book.close()
    except Exception as exc:  # noqa: BLE001 - a file we cannot read is said in Chinese
        raise SourceError(finding("source.corrupt", path=str(path), detail="已保存的文件无法读取")) from exc


def differs_from_file(sheets: dict[str, list[list]], path: Path) -> list[str]:
    """The sheets (of those given, as the open workbook shows them) whose values differ from the saved file's."""
    saved = file_sheets(path, list(sheets))
    return [name for name, rows in sheets.items() if not same_values(rows, saved.get(name, []))]
