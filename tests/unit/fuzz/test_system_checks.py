"""The pure checks the system machine applies without a model: ORA-06 through annualisedVolatility alone
(the variance is not exposed) and ENG-04 from two account states."""

from hypothesis import given
from hypothesis import strategies as st

from bulwark.invariants import ENG_04, ORA_06
from bulwark.model.engine import keeps_margin_ratio
from bulwark.model.oracle import Volatility, annualise, annualised_within_bound
from bulwark.units import DAY, WAD

INTERVAL, TAU = 300, DAY


@given(variance=st.integers(0, 10**13), r=st.integers(0, WAD), share=st.integers(0, 100))
def test_a_sample_within_its_bound_passes_and_one_just_past_it_fails(variance, r, share):
    """From any variance, growing by up to one sample's bound passes (whatever the variance was behind
    its annualised value); growing 3 wei past it fails (below 10^13 wei/s, ~1,800%/year, one wei of
    variance moves the annualised value)."""
    r2 = r * r // WAD
    bound = Volatility.one_sample_bound(r2, INTERVAL, TAU)
    before = annualise(variance)
    grown = annualise(variance + bound * share // 100)
    assert annualised_within_bound(before, grown, r2, INTERVAL, TAU), ORA_06
    assert annualised_within_bound(before, annualise(variance // 2), r2, INTERVAL, TAU), ORA_06  # a fall
    assert not annualised_within_bound(before, annualise(variance + bound + 3), r2, INTERVAL, TAU), ORA_06


def test_a_liquidation_that_lowers_equity_over_mm_fails_the_ratio_check():
    assert keeps_margin_ratio(90, 100, 50, 50), ENG_04  # 0.9 -> 1.0
    assert keeps_margin_ratio(90, 100, 45, 50), ENG_04  # 0.9 -> 0.9 exactly
    assert not keeps_margin_ratio(90, 100, 44, 50), ENG_04  # 0.9 -> 0.88


def test_full_and_insolvent_liquidations_are_outside_eng_04():
    assert keeps_margin_ratio(90, 100, 10, 0), ENG_04  # nothing left: no ratio to keep
    assert keeps_margin_ratio(-5, 100, -50, 50), ENG_04  # insolvent before: its debt is booked (ENG-07)
