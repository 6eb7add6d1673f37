"""The audit pack's generated parts (docs/audit/): the scope table with nSLOC per file (`scope`) and the
invariants with the tests that assert them (`invariants`). `bulwark audit scope|invariants` prints each,
and `--check FILE` exits non-zero when the committed copy is stale."""

from __future__ import annotations


def generated_block(text: str, begin: str, end: str) -> str | None:
    """The block of `text` between the markers `begin` and `end`, markers included (None without)."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        return None
    return text[start : stop + len(end)] + "\n"


def replace_block(text: str, block: str, begin: str, end: str) -> str:
    """`text` with its generated block replaced by `block` (appended when it has none)."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        return text.rstrip("\n") + "\n\n" + block
    return text[:start] + block + text[stop + len(end) :].removeprefix("\n")
