"""What clerks really type, made checkable: "80%", "８０", " 80 ", 0.8, "2022.6.30", "2022年6月30日", numbers as text.

Each value is normalised by its schema property (a number, a date, or text) and the change is recorded, so the
report can say "“80%”按“80”读取". Anything that cannot be read is left as typed for the schema to reject.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_EXCEL_EPOCH = dt.date(1899, 12, 30)
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # invisible, and illegal in a cell's XML
_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
SERIAL_RANGE = (36526, 73051)  # 2000-01-01 .. 2099-12-31 as Excel serial numbers


@dataclass(frozen=True)
class Normalised:
    value: object          # None for an empty cell
    shown: str             # the cell as the clerk sees it, for messages
    note: str = ""         # what was changed, e.g. "80"; empty when taken as it was
    doubt: bool = False    # the change may have lost something the clerk meant (a landline's leading 0)
    stripped: bool = False  # invisible control characters were taken out


def shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows it
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number(value: object, text: str) -> Normalised:
    if isinstance(value, bool):
        return Normalised(text, text)
    if isinstance(value, (int, float)):
        if 0 < value < 1:  # 80% typed into a percent-formatted cell is stored as 0.8
            return Normalised(round(value * 100, 6), text, shown(round(value * 100, 6)))
        return Normalised(int(value) if float(value).is_integer() else value, text)
    folded = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    folded = folded.rstrip("%").strip()
    if _NUMBER.fullmatch(folded):
        number = float(folded)
        number = int(number) if number.is_integer() else number
        return Normalised(number, text, shown(number))  # a number stored as text is worth a note too
    return Normalised(text, text)


def serial_date(value: object) -> dt.date | None:
    """The day an Excel serial number stands for (2000-2099), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    return None


def _date(value: object, text: str) -> Normalised:
    if isinstance(value, dt.datetime):
        return Normalised(value.date().isoformat(), text)
    if isinstance(value, dt.date):
        return Normalised(value.isoformat(), text)
    day = serial_date(value)
    if day is not None:
        return Normalised(day.isoformat(), text, day.isoformat())
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match:
        try:
            day = dt.date(*map(int, match.groups()))
        except ValueError:
            return Normalised(text, text)
        return Normalised(day.isoformat(), text, "" if day.isoformat() == text else day.isoformat())
    return Normalised(text, text)


def normalise(prop: dict, value: object) -> Normalised:
    """One cell's value as its schema property expects it; empty cells (and blanks) become None; invisible
    control characters (pasted from other systems) are taken out, and the result says so."""
    if isinstance(value, str) and CONTROL_CHARS.search(value):
        got = normalise(prop, CONTROL_CHARS.sub("", value))
        return Normalised(got.value, CONTROL_CHARS.sub("", value), got.note, got.doubt, stripped=True)
    text = shown(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return Normalised(None, "")
    if prop.get("type") in ("number", "integer"):
        return _number(value, text)
    if prop.get("format") == "date":
        return _date(value, text)
    if prop.get("enum"):
        folded = unicodedata.normalize("NFKC", text).strip()
        return Normalised(folded, text, folded if folded != text and folded in prop["enum"] else "")
    if "x-digits-with" in prop:  # a phone number: full-width digits and dashes read as typed on a Chinese keyboard
        folded = unicodedata.normalize("NFKC", text).strip().replace("－", "-").replace("—", "-")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            mobile = len(folded) == 11 and folded.startswith("1")
            return Normalised(folded, text, "" if mobile else folded, doubt=not mobile)
        return Normalised(folded, text, folded if folded != text.strip() else "")
    return Normalised(text.strip(), text)
