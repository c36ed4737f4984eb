"""Consistency across the project: import direction, documented codes, schemas, packaged resources."""

import ast
import re
from importlib import resources
from pathlib import Path

from jsonschema import Draft202012Validator

from xltasks.core.findings import CODES
from xltasks.core.schemas import load_schema

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"core": 0, "files": 1, "actions": 2, "cli": 3, "excel": 3}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if parts[0] == "xltasks" and len(parts) > 1 else None


def _imports(path: Path, top_level: bool = False) -> list[tuple[str, list[str]]]:
    """(module, the names taken from it) for each import in a file: all of them, or only the module's own
    statements (those that run when it is loaded, not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body if top_level else ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def test_imports_flow_one_way():
    offenders = []
    for path in (ROOT / "xltasks").rglob("*.py"):
        own = _layer("xltasks." + ".".join(path.relative_to(ROOT / "xltasks").with_suffix("").parts))
        for name, _ in _imports(path):
            target = _layer(name)
            if own is not None and target is not None and target > own:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_only_the_excel_view_imports_xlwings_and_the_web_server():
    offenders = []
    for path in (ROOT / "xltasks").rglob("*.py"):
        if path.relative_to(ROOT / "xltasks").parts[0] == "excel":
            continue
        offenders += [f"{path.relative_to(ROOT)} imports {name}" for name, _ in _imports(path)
                      if name.split(".")[0] in ("xlwings", "fastapi", "uvicorn")]
    assert offenders == []


def test_core_imports_nothing_but_stdlib_and_jsonschema():
    allowed = {"jsonschema", "referencing", "fastjsonschema", "xltasks"}  # fastjsonschema: the gate for rows that pass
    for path in (ROOT / "xltasks" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                assert top in allowed or top in __import__("sys").stdlib_module_names, (path.name, top)


def test_every_finding_code_has_a_chinese_message_and_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, (severity, template) in CODES.items():
        assert severity in {"error", "warning", "info"}
        assert re.search(r"[\u4e00-\u9fff]", template), code
        assert code in readme, f"{code} is missing from README's table of codes"


def test_schemas_are_valid_draft_2020_12_and_packaged():
    names = sorted(e.name for e in resources.files("xltasks.schemas").iterdir() if e.name.endswith(".json"))
    assert names == sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json"))
    for name in names:
        schema = load_schema(name.removesuffix(".schema.json"))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_finding_schema_matches_the_dataclass():
    from dataclasses import fields

    from xltasks.core.findings import Finding

    assert load_schema("finding")["required"] == [f.name for f in fields(Finding)]
    assert set(load_schema("finding")["properties"]["severity"]["enum"]) == {"error", "warning", "info"}


def test_samples_are_packaged():
    names = {e.name for e in resources.files("xltasks.workbooks.sources").iterdir()}
    assert {"yanta-tasks.xlsx", "yanta-tasks.docx", "tongchuan-tasks.xlsx", "tongchuan-tasks.docx"} <= names


def test_return_inputs_are_the_contracts_and_the_masters_columns():
    from xltasks.core.returns import input_columns
    from xltasks.files.master.write import TASK_COLUMNS

    lead = [c.header for c in input_columns("lead")]
    assert lead == ["进展状态", "完成进度(%)", "进展情况", "存在问题", "下步计划", "实际完成日期", "备注"]  # PRODUCT.md
    assert {c.key for c in input_columns("lead")} <= {key for key, _, _ in TASK_COLUMNS}, "a master column per input"
    assert [p["title"] for p in load_schema("return-header")["properties"].values()] == ["填报人", "联系电话", "填报日期"]
    assert load_schema("return-row")["properties"]["status"]["enum"] == ["未启动", "推进中", "已完成"]
    assert [c.header for c in input_columns("coop")] == ["配合工作情况", "备注"]


def test_every_input_property_has_a_chinese_prompt_excel_can_show():
    for name in ("return-row", "coop-row", "return-header"):
        schema = load_schema(name)
        for key, prop in schema["properties"].items():
            assert re.search(r"[\u4e00-\u9fff]", prop["title"]), (name, key)
            if key != "task_id":
                assert 0 < len(prop["description"]) <= 255 and re.search(r"[\u4e00-\u9fff]", prop["description"])
            assert prop.get("x-not-after", "today") == "today"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, modules: set[str]) -> set[str]:
    """The xltasks modules a module imports when it is loaded (imports in functions run later, once everything is
    loaded). `from package import module` counts as that module."""
    found = set()
    for module, names in _imports(path, top_level=True):
        found |= {f"{module}.{n}" if f"{module}.{n}" in modules else module for n in names} or {module}
    return found & modules


def test_no_module_level_import_cycles():
    paths = {_module_name(p): p for p in (ROOT / "xltasks").rglob("*.py")}
    graph = {name: _module_imports(path, set(paths)) for name, path in paths.items()}
    cycles, state = [], {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(trail[trail.index(target):] + [target]) if target in trail else target)
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_every_module_says_what_it_holds_and_stays_small():
    """Each module opens with a one-line summary of what it holds (a sentence of its own, before any detail); none
    grows past 300 lines (the aim is 50-250: one concept a module, so that the tree shows where a thing lives)."""
    long, silent = [], []
    for path in (ROOT / "xltasks").rglob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        summary = doc.split("\n\n")[0].strip()
        if not summary or "\n" in summary or not summary.endswith((".", ")")):
            silent.append(str(path.relative_to(ROOT)))
        if len(path.read_text(encoding="utf-8").splitlines()) > 300:
            long.append(str(path.relative_to(ROOT)))
    assert (silent, long) == ([], [])


def test_every_package_ships_and_is_on_the_readme_map():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    packages = sorted(_module_name(p) for p in (ROOT / "xltasks").rglob("__init__.py"))
    assert [p for p in packages if p not in listed] == []
    assert [p for p in packages if p != "xltasks" and f"`{p.removeprefix('xltasks.').replace('.', '/')}/`" not in readme] == []
