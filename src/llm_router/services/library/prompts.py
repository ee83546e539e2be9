"""Saved prompts with ``{{variables}}``: what a prompt asks to be filled in, and the filled-in text.

A variable is ``{{name}}`` (letters, digits and ``_``, not starting with a digit; spaces inside the braces
are allowed). Every occurrence of a name takes the same value. Anything else in braces is plain text.
Creating, listing and access rules are shared with presets (``entries``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from llm_router.core.errors import AppError

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_VARIABLES = 20


def variables(body: str) -> list[str]:
    """The variable names of ``body``, each once, in the order they first appear."""
    return list(dict.fromkeys(VARIABLE.findall(body)))


def check_body(body: str) -> str:
    if len(variables(body)) > MAX_VARIABLES:
        raise AppError(f"a prompt may have at most {MAX_VARIABLES} variables", status_code=422)
    return body


def render(body: str, values: Mapping[str, str]) -> str:
    """``body`` with every ``{{name}}`` replaced by its value; 422 naming what is missing or unknown."""
    names = variables(body)
    missing = [n for n in names if n not in values]
    unknown = sorted(set(values) - set(names))
    problems = []
    if missing:
        problems.append(f"missing a value for {', '.join(missing)}")
    if unknown:
        problems.append(f"this prompt has no variable {', '.join(unknown)}")
    if problems:
        raise AppError("; ".join(problems), status_code=422, code="invalid_request")
    # one pass: a value that itself looks like {{x}} is inserted as it is, never expanded again
    return VARIABLE.sub(lambda match: values[match.group(1)], body)
