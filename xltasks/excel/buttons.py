"""The ribbon's buttons for RunPython (Python on the user's PC): one thin xl_ function per button.

Each gets the calling workbook (`xw.Book.caller()`, or the one given to `set_mock_caller()`), finds where its
files are (beside the open workbook) and calls one action of xltasks/excel/clerk.py or coordinator.py, which
run the same checks and writes as the terminal's commands.
"""

from __future__ import annotations

from pathlib import Path

from xltasks.excel.clerk import clear_marks_book, export_return_book, validate_return_book
from xltasks.excel.coordinator import (Place, merge_folder_book, refresh_stats_book, split_round_book,
                                       validate_folder_book)

LABELS = {"xl_validate_return": "校验本表", "xl_clear_marks": "清除标记", "xl_export_return": "导出报送文件",
          "xl_split_round": "生成下发表", "xl_validate_folder": "批量校验", "xl_merge_folder": "汇总报送",
          "xl_refresh_stats": "刷新统计"}


def _caller():
    import xlwings as xw

    return xw.Book.caller()


def _local_place(book) -> Place:
    """The open master's own file; it is closed while merge writes it and opened again (COM only)."""
    master = Path(book.fullname)
    return Place(master, reopen=book.app.engine.name != "remote")


def xl_validate_return() -> None:
    validate_return_book(_caller())


def xl_clear_marks() -> None:
    clear_marks_book(_caller())


def xl_export_return() -> None:
    book = _caller()
    export_return_book(book, Path(book.fullname).parent)


def xl_split_round() -> None:
    book = _caller()
    split_round_book(book, _local_place(book))


def xl_validate_folder() -> None:
    book = _caller()
    validate_folder_book(book, _local_place(book))


def xl_merge_folder() -> None:
    book = _caller()
    merge_folder_book(book, _local_place(book))


def xl_refresh_stats() -> None:
    book = _caller()
    refresh_stats_book(book, _local_place(book))
