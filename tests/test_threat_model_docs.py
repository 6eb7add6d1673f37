"""docs/THREAT_MODEL.md's signer powers table names, for every row, a test that exists."""

import re

from bulwark import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "THREAT_MODEL.md").read_text()
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
ROWS = (
    "**A pauser**",
    "**One signer**",
    "**`pauseThreshold` signers**",
    "**`shiftPauseThreshold` signers**",
    "**`breakerThreshold` signers**",
    "**`threshold` signers**",
)


def powers_rows() -> list[str]:
    section = DOC.split("## Signer powers", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| **")]


def test_every_signer_powers_row_is_there_once_and_names_one_test_that_exists():
    """One row per threshold, in order, each with exactly one test, and that test is defined."""
    rows = powers_rows()
    assert [next(r for r in ROWS if row.startswith(f"| {r}")) for row in rows] == list(ROWS)
    for row in rows:
        [(path, name)] = TEST_REF.findall(row.split("|")[-2])
        source = (PROJECT_ROOT / path).read_text()
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name} is missing"
