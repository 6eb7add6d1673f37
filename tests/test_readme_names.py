"""The README names only events and errors that exist: every backticked CamelCase name in it is a
contract, library or interface of the project, an EIP-712 type the contracts sign, Chainlink's
interface, or an event or error in a production contract's ABI (contracts/mocks excluded)."""

from __future__ import annotations

import re

from bulwark import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
# `Name` or `Name(args)`: CamelCase with at least one lower-case letter (PATH and CI are not names)
NAMED = re.compile(r"`([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)(?:\([^`]*\))?`")
EXTERNAL = {"AggregatorV3Interface"}  # Chainlink's interface, which consumers compile against


def eip712_types() -> set[str]:
    """The struct names of every `keccak256("Name(...)")` typehash in the contracts."""
    found = set()
    for source in (PROJECT_ROOT / "contracts").rglob("*.sol"):
        found |= set(re.findall(r'keccak256\(\s*"([A-Z]\w*)\(', source.read_text()))
    return found


def test_every_event_and_error_the_readme_names_exists_in_a_production_contract(project):
    production = [c for c in project.contracts.values() if not str(c.source_id).startswith("contracts/mocks")]
    contracts = {c.name for c in project.contracts.values()}
    members = {e.name for c in production for e in [*c.events, *c.errors]}
    assert "PauseUpdated" in members and "MedianOracleStale" in members  # the ABI was read
    names = set(NAMED.findall(README))
    unknown = sorted(names - contracts - eip712_types() - EXTERNAL - members)
    assert unknown == [], f"README names events or errors no production contract has: {unknown}"
