"""One line from a pydantic ValidationError, for every file the project reads (parameter files,
scenarios, the monitor's configuration): the source, the field's dotted path and the problem."""

from __future__ import annotations

from pydantic import ValidationError


def one_line(err: ValidationError, source: object) -> str:
    """`<source>: <field.path>: <message> (and N more)`, whatever the validator wrote, on one line."""
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = " ".join(first["msg"].split())
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{source}: {where}: {message}{more}"
