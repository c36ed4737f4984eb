"""The JSON Schemas in schemas/ (shipped as xltasks.schemas), loaded once and cross-referenced by file name."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def load_schema(name: str) -> dict:
    """A schema by file stem, e.g. "import-result" (do not modify the dict: it is shared)."""
    return json.loads(resources.files("xltasks.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _registry():
    # jsonschema and referencing are imported on first use: a batch of valid returns never needs them.
    from referencing import Registry, Resource

    resources_by_name = []
    for entry in resources.files("xltasks.schemas").iterdir():
        if entry.name.endswith(".schema.json"):
            resource = Resource.from_contents(load_schema(entry.name.removesuffix(".schema.json")))
            resources_by_name += [(entry.name, resource), (resource.contents["$id"], resource)]
    return Registry().with_resources(resources_by_name)


@cache
def validator(name: str):
    """A compiled validator for one schema, with references to its sibling schemas resolved."""
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    # Formats are checked ("date" in a return row, "date-time" in the metadata): the schema is the whole rule.
    return Draft202012Validator(schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def gate(name: str):
    """A compiled fastjsonschema check for one schema: True when an instance is valid. Rows that pass need no
    more; rows that fail go to `validator(name)` for jsonschema's detailed errors (the same schema file)."""
    import fastjsonschema

    check = fastjsonschema.compile(load_schema(name))

    def passes(instance: dict) -> bool:
        try:
            check(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        return True
    return passes
