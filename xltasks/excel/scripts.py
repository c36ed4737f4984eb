"""The buttons a server offers, by the name clients call them: who may press each, the sheets it needs, and `press`.

Shared by `xltasks serve` (its worker processes run `press`) and the xlwings-server custom scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

from xltasks.excel.clerk import clear_marks_book, export_return_book, validate_return_book
from xltasks.excel.coordinator import (NEEDED_SHEETS, Place, merge_folder_book, refresh_stats_book,
                                       split_round_book, validate_folder_book)
from xltasks.excel.programmes import Programme, find_programme

CLERK, COORDINATOR = "clerk", "coordinator"


@dataclass(frozen=True)
class Script:
    run: object            # (book, place or None) -> the text shown
    who: str               # clerk: works on the request alone; coordinator: on the programme's files
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


SCRIPTS = {
    "validate_return": Script(lambda book, place: validate_return_book(book), CLERK, exclude=("填报说明",)),
    "clear_marks": Script(lambda book, place: clear_marks_book(book), CLERK, exclude=("填报说明",)),
    "export_return": Script(lambda book, place: export_return_book(book, None), CLERK, exclude=("填报说明",)),
    "split_round": Script(split_round_book, COORDINATOR, include=NEEDED_SHEETS),
    "validate_folder": Script(validate_folder_book, COORDINATOR, include=NEEDED_SHEETS),
    "merge_folder": Script(merge_folder_book, COORDINATOR, include=NEEDED_SHEETS),
    "refresh_stats": Script(refresh_stats_book, COORDINATOR, include=NEEDED_SHEETS),
}


class Refused(Exception):
    """A request answered with `status` and a Chinese message for the client's message box."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


NO_PROGRAMME = ("服务器上没有配置这个项目的总台账。请在 xltasks 生成的总台账中使用这些按钮，"
                "并请信息化人员在服务器的项目配置中登记它。")


def press(script: Script, book, programmes: list[Programme]) -> None:
    """Run one button on a book the request made: a clerk's on the book alone, a coordinator's on the folders of
    the programme the book belongs to (Refused when the server keeps none for it)."""
    if script.who == CLERK:
        script.run(book, None)
        return
    programme = find_programme(programmes, book)
    if programme is None:
        raise Refused(400, NO_PROGRAMME)
    script.run(book, Place(programme.master, programme.inbox, programme.outbox, programme.config, on_server=True))
