"""`bulwark walk` walks the whole scripted crash on its own Anvil and exits 0 with every check held."""

import re
import subprocess
import sys
from pathlib import Path

from bulwark import PROJECT_ROOT

BULWARK = Path(sys.executable).parent / "bulwark"  # the console script installed beside this Python

BEATS = [
    "120 checks, 0 mismatches",  # the fresh deployment verified
    "2 hostile reports at 1,820 and 3 honest ones at",  # leaked keys, ORA-05
    "breaker TRIPPED",
    "keeper liquidates bob: refused with MedianOracleTripped",  # ENG-06 halt
    "alice deposits 300 to cure her account",
    "refused with GuardedPaused",  # the one-signer fast pause of TRADE
    "breaker cleared, served 1,400",
    "keeper liquidates alice: refused with MarginEngineNotLiquidatable",
    "bad debt: bob owes 150, booked to ETH/USD where he lost; the fund covered 150; shared with the "
    "other side 0",
    "refused with MarginEngineInsufficientMargin",  # unrealised profit stays
    "refused with PauseGuardianOperationNotReady",
    "finds 1 mismatch: markets.0.risk.base_mmr file 0.05, chain 0.075",
]
CHECKED = [
    "ENG-01",
    "ENG-02",
    "ENG-03",
    "ENG-04",
    "ENG-05",
    "ENG-06",
    "ENG-07",
    "ENG-08",
    "FND-01",
    "FND-04",
    "GRD-01",
    "GRD-03",
    "ORA-05",
]


def test_the_crash_walk_runs_end_to_end():
    out = subprocess.run(
        [str(BULWARK), "walk"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    text = " ".join((out.stdout + out.stderr).split())  # rich wraps long lines
    assert out.returncode == 0, out.stderr[-3000:]
    for beat in BEATS:
        assert beat in text, beat
    assert "BROKEN" not in text
    assert "Call trace" not in text  # refusals are dry runs, not failed transactions
    for invariant in CHECKED:
        assert re.search(rf"{invariant} │[^│]+│ \d+ +│ held", text), invariant
    assert "walk finished" in text
