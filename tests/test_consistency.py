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


def test_imports_flow_one_way():
    offenders = []
    for path in (ROOT / "xltasks").rglob("*.py"):
        own = _layer("xltasks." + ".".join(path.relative_to(ROOT / "xltasks").with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                target = _layer(name)
                if own is not None and target is not None and target > own:
                    offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_core_imports_nothing_but_stdlib_and_jsonschema():
    allowed = {"jsonschema", "referencing", "xltasks"}
    for path in (ROOT / "xltasks" / "core").glob("*.py"):
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
