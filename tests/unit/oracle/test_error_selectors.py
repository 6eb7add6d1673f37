"""MedianOracle's assembly report loop (ReportBatch) reverts with hard-coded custom-error selectors,
each named in a comment on its line. This keeps them tied to the errors the ABI declares: a renamed or
re-typed error fails here rather than in production."""

from __future__ import annotations

import re

from eth_utils import keccak

from bulwark import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "contracts" / "libraries" / "ReportBatch.sol"
FAIL = re.compile(r"fail\d\((0x[0-9a-f]{8})\b.*//\s*(MedianOracle\w+)")


def test_every_hard_coded_selector_matches_the_error_named_beside_it(project):
    found = FAIL.findall(SOURCE.read_text())
    assert len(found) >= 7, "expected the seven report errors in the assembly loop"
    errors = {abi.name: abi.selector for abi in project.MedianOracle.contract_type.errors}
    for selector, name in found:
        assert name in errors, f"{name} is not an error of MedianOracle"
        assert selector == "0x" + keccak(text=errors[name])[:4].hex(), f"{selector} is not {errors[name]}"
