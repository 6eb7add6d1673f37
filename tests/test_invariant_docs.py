"""docs/INVARIANTS.md maps every invariant ID to tests that exist and cite it."""

import re

from bulwark import PROJECT_ROOT
from bulwark.invariants import ALL, BY_ID

DOC = PROJECT_ROOT / "docs" / "INVARIANTS.md"
ROW = re.compile(r"^\| ([A-Z]{3}-\d\d) \|(.*)$", re.MULTILINE)
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
MACHINE_IMPORT = re.compile(r"^from (bulwark\.fuzz\.machines\.\w+) import", re.MULTILINE)


def cited_sources(source: str) -> str:
    """A test module's source and that of the state machines it runs (a thin module's TestCases are
    made from machines in bulwark/fuzz/machines/, which hold the assertions)."""
    paths = []
    for module in MACHINE_IMPORT.findall(source):
        base = PROJECT_ROOT / module.replace(".", "/")
        # a package: every module of it
        paths += sorted(base.glob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    return "\n".join([source, *(path.read_text() for path in paths)])


def doc_rows() -> dict[str, str]:
    return dict(ROW.findall(DOC.read_text()))


def test_every_invariant_id_has_exactly_one_row():
    """The page and the spec module list the same IDs."""
    ids = ROW.findall(DOC.read_text())
    assert sorted(i for i, _ in ids) == sorted(BY_ID)
    assert len(ids) == len(ALL)


def test_every_test_named_on_the_page_exists_and_cites_its_id():
    """A mapping to a renamed or deleted test, or to a test that never asserts the ID, is a lie."""
    cited = 0
    for inv_id, rest in doc_rows().items():
        constant = inv_id.replace("-", "_")
        for path, name in TEST_REF.findall(rest):
            source = (PROJECT_ROOT / path).read_text()
            defined = rf"^\s*(def {name}\(|class {name}\b|{name} = )"
            assert re.search(defined, source, re.MULTILINE), f"{path}::{name} is missing"
            assert constant in cited_sources(source), f"{path} (or its machine) does not cite {inv_id}"
            cited += 1
    assert cited > 0


def test_rows_marked_not_yet_name_no_tests_and_checked_rows_name_some():
    """Status and the test column agree."""
    for inv_id, rest in doc_rows().items():
        refs = TEST_REF.findall(rest)
        if "not yet" in rest:
            assert not refs, f"{inv_id} is 'not yet' but names tests"
        else:
            assert refs, f"{inv_id} claims checks but names no test"
