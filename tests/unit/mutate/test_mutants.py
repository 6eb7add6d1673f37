"""The hand-written mutants stay attached to the code they mutate."""

import pytest

from bulwark import PROJECT_ROOT
from bulwark.mutate.machine import MACHINES
from bulwark.mutate.mutants import BY_NAME, MUTANTS

# the issue's nine, by the names the list gives them
REQUIRED = {
    "liquidation-at-mm",
    "staleness-removed",
    "duplicate-signer",
    "cooldown-skipped",
    "eta-ignored",
    "outflow-cap-ignored",
    "im-rounding-flipped",
    "breaker-boundary",
    "fault-tolerance-removed",
}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_snippet_occurs_exactly_once_in_its_file(mutant):
    assert mutant.occurrences(PROJECT_ROOT) == 1, (
        f"{mutant.name}: snippet moved or duplicated in {mutant.file}"
    )


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_changes_its_file_and_names_what_kills_it(mutant):
    assert mutant.replacement != mutant.original
    assert mutant.machines or mutant.tests
    assert set(mutant.machines) <= set(MACHINES)
    for test in mutant.tests:
        assert (PROJECT_ROOT / test.split("::")[0]).is_file(), test


def test_the_issues_nine_are_in_the_list_and_names_are_unique():
    assert set(BY_NAME) >= REQUIRED
    assert len(BY_NAME) == len(MUTANTS)
