"""汇总统计: per lead unit the tasks by state and the completion rate, a bar chart, the overdue and missing lists."""

from __future__ import annotations

from xltasks.core.merge_plan import TaskResult
from xltasks.core.status import AS_OF_BASES
from xltasks.files.master.layout import HEADER_ROW, SUMMARY_SHEET
from xltasks.files.master.logs import MergeWrite
from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.table_styles import NOTHING, Col, Layout, Plain


STATUS_ORDER = ("done", "on_track", "due_soon", "overdue", "not_reported", "rejected")


CHART_UNITS = 30  # bars in the chart: more would not be read, and would not fit the page
LIST_LINES = 60  # lines of each list on the summary; the rest is counted
ONE_PAGE_ROWS = 80  # a summary this long still prints on one page; a longer one prints one page wide


def _capped(items: list[str], rest: str) -> list[str]:
    return items if len(items) <= LIST_LINES else [*items[:LIST_LINES], f"……另有{len(items) - LIST_LINES}{rest}"]


def _one_line(text: str, chars: int) -> str:
    """The start of a text, to fit one line of a list: "T37AFFB9F 出台《铜川市养老服务促进条例》…"."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars - 1] + "…"


def summary_title(w: MergeWrite) -> str:
    """"2026年12月 任务进展汇总（状态日期 2026-12-04，汇总当天）": the date states are as of, and why."""
    basis = AS_OF_BASES.get(w.as_of_basis, "")
    return f"{w.round_name} 任务进展汇总（状态日期 {w.as_of.isoformat()}{'，' + basis if basis else ''}）"


def summary_sheet(plan: list[TaskResult], missing: list[str], w: MergeWrite, rejected: list[str] = ()
                  ) -> tuple[SheetData, Layout]:
    """汇总统计: per lead unit the tasks by state and the completion rate, totals, a stacked bar chart by unit and
    state (a native Excel chart), and the overdue and missing lists; one A4 page."""
    counts: dict[str, dict[str, int]] = {}
    for result in plan:
        for unit, state in result.lead_states.items():
            counts.setdefault(unit, dict.fromkeys(STATUS_ORDER, 0))[state] += 1
    headers = ["牵头单位", *(w.labels[s] for s in STATUS_ORDER), "合计", "完成率"]
    table = []
    for unit, by_state in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(by_state.values())
        table.append([unit, *by_state.values(), total, by_state["done"] / total if total else 0])
    totals = [sum(result.status == s for result in plan) for s in STATUS_ORDER]  # tasks, as 任务清单 counts them
    grand = sum(totals)
    table.append(["合计", *totals, grand, totals[0] / grand if grand else 0])
    if any(len(result.lead_states) > 1 for result in plan):
        table.append([Plain("注：多个单位牵头的任务在每个牵头单位下各计一次；合计按任务计，取进展最慢的牵头单位的状态。"),
                      *[NOTHING] * (len(headers) - 1)])
    overdue = [t for t in plan if t.status == "overdue"]
    lists: list[object] = [*_capped([_one_line(f"{t.task_id} {w.contents.get(t.task_id, '')}", 26) for t in overdue],
                                    "项，在「任务清单」中按“当前状态”筛选可见全部"),
                           NOTHING, f"未报送单位（{len(missing)}个）", *_capped(missing, "个，见催办清单")]
    if rejected:
        lists += [NOTHING, f"退回待重报单位（{len(rejected)}个）", *_capped(rejected, "个，见催办清单")]
    list_col = len(headers) + 1
    rows = [[summary_title(w)],
            [*headers, None, f"逾期未完成（{len(overdue)}项）"]]
    for i in range(max(len(table), len(lists))):
        row = table[i] if i < len(table) else [NOTHING] * len(headers)
        rows.append([*row, NOTHING, lists[i]] if i < len(lists) else list(row))
    columns = {"牵头单位": Col(18), "合计": Col(7, "number"), "完成率": Col(8, "percent"),
               **{w.labels[s]: Col(8, "number") for s in STATUS_ORDER}, rows[1][list_col]: Col(56)}
    units = min(len(counts), CHART_UNITS)  # the units with the most tasks come first

    def chart(book, ws, styles) -> None:
        if not units:
            return
        bars = book.add_chart({"type": "bar", "subtype": "stacked"})
        for c, status in enumerate(STATUS_ORDER, start=1):
            bars.add_series({"name": [SUMMARY_SHEET, HEADER_ROW - 1, c],
                             "categories": [SUMMARY_SHEET, HEADER_ROW, 0, HEADER_ROW + units - 1, 0],
                             "values": [SUMMARY_SHEET, HEADER_ROW, c, HEADER_ROW + units - 1, c],
                             "fill": {"color": "#" + w.colors[status]}, "border": {"color": "#808080"}, "gap": 60})
        title = "各牵头单位任务状态" + (f"（任务最多的{units}个单位）" if len(counts) > units else "")
        bars.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
        bars.set_y_axis({"reverse": True, "num_font": {"name": "宋体", "size": 9}})
        bars.set_x_axis({"num_font": {"name": "宋体", "size": 9}})
        bars.set_legend({"position": "bottom", "font": {"name": "宋体", "size": 9}})
        bars.set_size({"width": 640, "height": 260 + 16 * units})
        ws.insert_chart(HEADER_ROW + len(table) + 1, 0, bars)

    header_colors = {w.labels[s]: w.colors[s] for s in STATUS_ORDER}
    return (SheetData(SUMMARY_SHEET, rows),
            Layout(columns, freeze_col=0, autofilter=False, one_page=len(lists) + len(table) <= ONE_PAGE_ROWS,
                   decorate=chart, header_colors=header_colors, total_label="合计", total_width=len(headers)))
