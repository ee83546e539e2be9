"""Helpers of the IDOR matrix: the app's routes as data, and request bodies built from the OpenAPI schema."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

PATH_PARAM = re.compile(r"{(\w+)(?::[^}]*)?}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    params: tuple[str, ...]
    query: tuple[str, ...]
    body_schema: dict[str, Any] | None

    def url(self, values: dict[str, str]) -> str:
        return PATH_PARAM.sub(lambda m: values[m.group(1)], self.path)


def _route_paths(app: FastAPI) -> list[tuple[str, set[str]]]:
    """(path, methods) of every API route, also inside included routers (FastAPI nests them lazily)."""
    found: list[tuple[str, set[str]]] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append((route.path, set(route.methods)))
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):
            for context in candidates():
                if getattr(context, "methods", None) and isinstance(context.original_route, APIRoute):
                    found.append((context.path, set(context.methods)))
    return found


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every API route and verb, found by walking the app (new routes are covered without edits)."""
    schema = app.openapi()
    found: list[Endpoint] = []
    for path, methods in _route_paths(app):
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            operation = schema["paths"].get(path, {}).get(method.lower(), {})
            query = tuple(p["name"] for p in operation.get("parameters", []) if p.get("in") == "query")
            body = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            )
            found.append(Endpoint(method, path, tuple(PATH_PARAM.findall(path)), query, body))
    return found


class BodyFactory:
    """Minimal valid JSON bodies for a schema; every ``*_id`` field gets the id under test."""

    def __init__(self, openapi: dict[str, Any]) -> None:
        self.components = openapi.get("components", {}).get("schemas", {})

    def make(self, schema: dict[str, Any], id_value: str) -> Any:
        return self._value(schema, "", id_value, depth=0)

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def _value(self, schema: dict[str, Any], name: str, id_value: str, depth: int) -> Any:
        schema = self._resolve(schema)
        if depth > 6:
            return None
        for combo in ("anyOf", "oneOf", "allOf"):
            if combo in schema:
                options = [self._resolve(s) for s in schema[combo]]
                usable = [s for s in options if s.get("type") != "null"] or options
                return self._value(usable[0], name, id_value, depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and not name.endswith("_id"):
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            wanted = set(schema.get("required", [])) | {p for p in props if p.endswith("_id")}
            return {p: self._value(props[p], p, id_value, depth + 1) for p in props if p in wanted}
        if kind == "array":
            return [self._value(schema.get("items", {}), name, id_value, depth + 1)] * schema.get(
                "minItems", 0
            )
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return float(schema.get("minimum", 0.5))
        if kind == "boolean":
            return False
        if name.endswith("_id") or name == "id":
            return id_value
        return "x" * max(1, int(schema.get("minLength", 1)))
