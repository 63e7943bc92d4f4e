"""A small OpenAPI 3.0 schema checker, enough to hold the fake Twilio to Twilio's own description.

Twilio's file uses OpenAPI 3.0 ``nullable`` (not JSON Schema), ``$ref`` into components, enums,
patterns, lengths and an RFC 2822 date format; that is what is checked here. ``strict`` also
reports keys the schema does not describe: Twilio documents every field of a Message, so an extra
key means the fake invented it.

The description itself stays outside the project (../shared/specs/, see specs/README.md); tests
read it at run time and skip when it is absent.
"""

from __future__ import annotations

import json
import os
import re
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(
    os.environ.get("TWILIO_OPENAPI_SPEC", ROOT.parent / "shared" / "specs" / "twilio_api_v2010.json")
)

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@lru_cache(maxsize=1)
def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]  # type: ignore[no-any-return]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref not supported: {ref}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def errors(
    instance: Any, node: dict[str, Any], spec: dict[str, Any], *, strict: bool = False, at: str = "$"
) -> list[str]:
    """Every way ``instance`` breaks ``node`` (empty when it conforms)."""
    node = _resolve(spec, node)
    found: list[str] = []
    if instance is None:
        return [] if node.get("nullable") else [f"{at}: null but not nullable"]
    for sub in node.get("allOf", []):
        found += errors(instance, sub, spec, strict=strict, at=at)
    for key in ("oneOf", "anyOf"):
        if key in node and all(errors(instance, sub, spec, strict=strict, at=at) for sub in node[key]):
            found.append(f"{at}: matches none of {key}")
    expected = node.get("type")
    if expected:
        python_types = _TYPES[expected]
        if not isinstance(instance, python_types) or (
            expected in ("integer", "number") and isinstance(instance, bool)
        ):
            return found + [f"{at}: {type(instance).__name__} is not {expected}"]
    if "enum" in node and instance not in node["enum"]:
        found.append(f"{at}: {instance!r} not in enum")
    if isinstance(instance, str):
        if "pattern" in node and not re.search(node["pattern"], instance):
            found.append(f"{at}: {instance!r} does not match {node['pattern']}")
        if len(instance) < node.get("minLength", 0):
            found.append(f"{at}: shorter than {node['minLength']}")
        if "maxLength" in node and len(instance) > node["maxLength"]:
            found.append(f"{at}: longer than {node['maxLength']}")
        if node.get("format") == "date-time-rfc-2822":
            try:
                parsedate_to_datetime(instance)
            except (TypeError, ValueError):
                found.append(f"{at}: {instance!r} is not an RFC 2822 date")
    if isinstance(instance, dict):
        properties = node.get("properties", {})
        for name in node.get("required", []):
            if name not in instance:
                found.append(f"{at}: missing required {name!r}")
        for name, value in instance.items():
            if name in properties:
                found += errors(value, properties[name], spec, strict=strict, at=f"{at}.{name}")
            elif node.get("additionalProperties") is False or (strict and properties):
                found.append(f"{at}: unexpected key {name!r}")
        if node.get("format") == "uri-map" and not all(isinstance(v, str) for v in instance.values()):
            found.append(f"{at}: uri-map values must be strings")
    if isinstance(instance, list) and "items" in node:
        for i, item in enumerate(instance):
            found += errors(item, node["items"], spec, strict=strict, at=f"{at}[{i}]")
    return found


def request_fields(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """Form fields of an operation's ``application/x-www-form-urlencoded`` request body."""
    body = spec["paths"][path][method]["requestBody"]["content"]["application/x-www-form-urlencoded"][
        "schema"
    ]
    return _resolve(spec, body)["properties"]  # type: ignore[no-any-return]


def response_schema(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    return spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]
