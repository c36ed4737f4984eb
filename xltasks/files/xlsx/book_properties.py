"""A workbook's own facts a rewrite keeps: its defined names and its document properties (title, author ...)."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile

from xltasks.files.xlsx.sheet_extras import SHEET_ENTRY, attributes


_DEFINED_NAME = re.compile(r"<definedName\b([^>]*)>(.*?)</definedName>", re.S)


def defined_names(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, formula) of the workbook's defined names, a sheet's own ones as "Sheet!name"; Excel's built-in ones
    (print titles, filters) are left out: the writer sets its own."""
    if "xl/workbook.xml" not in zf.NameToInfo:
        return []
    book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    sheets = [html.unescape(name) for name, _ in SHEET_ENTRY.findall(book)]
    names = []
    for attrs, text in _DEFINED_NAME.findall(book):
        a = attributes(attrs)
        name, formula = a.get("name", ""), html.unescape(text).strip()
        if not name or name.startswith("_xlnm.") or not formula or "#REF!" in formula:
            continue
        local = a.get("localSheetId")
        if local is not None and local.isdigit() and int(local) < len(sheets):
            name = "'" + sheets[int(local)].replace("'", "''") + "'!" + name
        names.append((name, formula))
    return names


_CORE = {"{http://purl.org/dc/elements/1.1/}title": "title", "{http://purl.org/dc/elements/1.1/}subject": "subject",
         "{http://purl.org/dc/elements/1.1/}creator": "author", "{http://purl.org/dc/elements/1.1/}description":
         "comments", "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords": "keywords",
         "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}category": "category",
         "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}contentStatus": "status"}
_APP = {"Company": "company", "Manager": "manager"}


PROPERTY_CHARS = 8_000  # a long 备注 (comments) is kept; a hostile megabyte is not


def doc_properties(zf: zipfile.ZipFile) -> dict[str, object]:
    """The workbook's document properties (title, author, company, when it was created ...), in xlsxwriter's
    set_properties terms, so a rewrite keeps them; what is missing or unreadable is left out."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    found: dict[str, object] = {}
    for part, fields in (("docProps/core.xml", _CORE), ("docProps/app.xml", _APP)):
        if part not in zf.NameToInfo or zf.NameToInfo[part].file_size > 1 << 20:
            continue
        try:
            root = ElementTree.fromstring(zf.read(part))
        except (ElementTree.ParseError, DefusedXmlException, ValueError, zipfile.BadZipFile):
            continue
        for element in root:
            tag = element.tag.split("}")[-1] if part.endswith("app.xml") else element.tag
            text = (element.text or "").strip()
            if tag in fields and text:
                found[fields[tag]] = text[:PROPERTY_CHARS]
            elif tag == "{http://purl.org/dc/terms/}created" and text:
                try:
                    created = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                    if created.tzinfo is not None:  # xlsxwriter writes it as UTC ("Z"): 09:30+08:00 is 01:30Z
                        created = created.astimezone(dt.timezone.utc)
                    found["created"] = created.replace(tzinfo=None)
                except ValueError:
                    pass
    return found
