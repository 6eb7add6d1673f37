"""Timestamps past 2^32 (the year 2106): a report whose observedAt does not fit the stored uint32 is
rejected, never stored truncated (ORA-02)."""

from bulwark.invariants import ORA_02
from tests.fixtures.oracle import CONFIG, usd
from tests.helpers import reverts

UINT32_MAX = 2**32 - 1


def test_a_report_observed_past_2106_is_rejected_not_truncated(helper, oracle, chain):
    """Near 2^32 the newest observedAt accepted is capped at 2^32 - 1: a report dated 2^32 + 5 (within
    maxFutureSkew of now) reverts with that cap, and one dated 2^32 - 1 is served."""
    with chain.isolate():
        t = UINT32_MAX - 30
        helper.serve(usd(2000), t)
        assert t + CONFIG.maxFutureSkew > UINT32_MAX
        with reverts(
            oracle.MedianOracleReportFromFuture,
            reporter=helper.reporters[2],
            observedAt=2**32 + 5,
            latestAllowed=UINT32_MAX,
        ):
            helper.poke([usd(2001)] * 3, t + 10, observed_at=[t + 10, t + 10, 2**32 + 5])
        helper.poke([usd(2001)] * 3, t + 10, observed_at=[t + 10, t + 10, UINT32_MAX])
        assert oracle.latest()[:2] == (usd(2001), t + 10), ORA_02
