"""The invariant map (bulwark/audit/invariants.py, docs/audit/INVARIANTS.md): read from the tests, it
counts a test only when the test fails with the invariant as its message; every test it lists exists
and cites the ID; the committed page equals what the tests give now."""

from __future__ import annotations

import ast
import re

from bulwark import PROJECT_ROOT
from bulwark.audit import generated_block
from bulwark.audit.invariants import BEGIN, COMMAND, END, asserting_tests, collect, machine_cases, render
from bulwark.invariants import BY_ID

DOC = PROJECT_ROOT / "docs" / "audit" / "INVARIANTS.md"
REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")

FIXTURE = """
from bulwark.invariants import ENG_01, ENG_02, FND_01, ORA_04

def _books_hold(engine):
    assert engine.ok(), f"{ENG_01}: books"

def _indirect(engine):
    _books_hold(engine)

def test_direct():
    assert 1 == 1, ENG_02

def test_through_helpers(engine):
    _indirect(engine)

def test_raises():
    raise AssertionError(str(FND_01))

def test_mentions_without_asserting(engine):
    print(ORA_04)
    assert engine.ok()  # an assertion, but without the ID

class TestGroup:
    def test_method(self):
        assert 1, ORA_04

TestMachineOnRevm = Machine.test_case("revm", settings)
"""


def test_a_test_counts_only_for_the_ids_it_fails_with_directly_or_through_its_helpers():
    """Assertion messages (plain, f-string) and AssertionError arguments count, also through same-module
    helpers; a mere mention does not; a test method counts under its class."""
    found = asserting_tests(ast.parse(FIXTURE))
    assert found == {
        "test_direct": {"ENG-02"},
        "test_through_helpers": {"ENG-01"},
        "test_raises": {"FND-01"},
        "TestGroup": {"ORA-04"},
    }
    assert machine_cases(ast.parse(FIXTURE)) == ["TestMachineOnRevm"]


def test_every_test_on_the_page_exists_and_cites_its_id():
    """Each listed test is defined in its module, and the module (or, for a state-machine case, the
    machine it imports) uses the ID's constant."""
    text = DOC.read_text()
    sections = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    assert len(sections) == len(BY_ID)
    listed = 0
    for section in sections:
        inv_id = section.split("\n", 1)[0].strip()
        constant = inv_id.replace("-", "_")
        for path, name in REF.findall(section.split("<!--", 1)[0]):
            source = (PROJECT_ROOT / path).read_text()
            assert re.search(rf"^\s*(def {name}\(|class {name}\b|{name} = )", source, re.MULTILINE), (
                f"{path}::{name}"
            )
            machines = re.findall(r"^from (bulwark\.fuzz\.machines\.[\w.]+) import", source, re.MULTILINE)
            cited = source + "".join(
                p.read_text()
                for m in machines
                for p in (
                    sorted((PROJECT_ROOT / m.replace(".", "/")).glob("*.py"))
                    if (PROJECT_ROOT / m.replace(".", "/")).is_dir()
                    else [PROJECT_ROOT / (m.replace(".", "/") + ".py")]
                )
            )
            assert constant in cited, f"{path}::{name} does not cite {inv_id}"
            listed += 1
    assert listed > 100


def test_every_invariant_is_checked_by_a_test_and_by_a_state_machine():
    """No ID is listed without a check: each has at least one state-machine case, and every component
    invariant (all but SYS) a unit or integration test too."""
    checks = collect()
    for inv_id in BY_ID:
        assert checks.machines.get(inv_id), inv_id
        if not inv_id.startswith("SYS"):
            assert checks.tests.get(inv_id), inv_id


def test_the_committed_invariant_map_matches_the_tests():
    """docs/audit/INVARIANTS.md carries the map the tests give now (a new or renamed test means
    regenerating it)."""
    committed = generated_block(DOC.read_text(), BEGIN, END)
    assert committed is not None, f"docs/audit/INVARIANTS.md has no generated block: run `{COMMAND}`"
    assert committed == render(), f"docs/audit/INVARIANTS.md is stale: run `{COMMAND}`"
