"""Guardian powers: reporters, configuration and the breaker are the guardian's alone; membership and
configuration are validated."""

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from bulwark.invariants import GRD_04, ORA_03
from bulwark.reports import reporter_test_keys
from tests.helpers import event, reverts

from .conftest import CONFIG, DESCRIPTION, FEED, usd

ZERO = "0x0000000000000000000000000000000000000000"


def trip(helper):
    t0 = helper.serve(usd(2000))
    helper.serve(usd(2300), t0 + 60)


@pytest.mark.parametrize("action", ["setReporter", "setConfig", "clearBreaker"])
def test_non_guardian_cannot_administer(helper, oracle, guardian, stranger, action):
    """setReporter, setConfig and clearBreaker revert for anyone but the guardian."""
    trip(helper)
    args = {
        "setReporter": (stranger.address, True),
        "setConfig": (tuple(CONFIG._replace(quorum=1)),),
        "clearBreaker": (True,),
    }[action]
    with reverts(oracle.GuardedNotGuardian, caller=stranger.address, guardian=guardian.address):
        getattr(oracle, action)(*args, sender=stranger)
    assert not oracle.isReporter(stranger.address), GRD_04
    assert oracle.config() == tuple(CONFIG), GRD_04
    assert oracle.breaker()[0], GRD_04


def test_reporters_are_listed_sorted_and_the_event_gives_the_sorted_position(helper, oracle, guardian):
    """reporters() is the registered set, ascending; ReporterUpdated.index is the reporter's position in
    that sorted table when it joins or leaves."""
    assert oracle.reporters() == helper.reporters
    newcomer = Account.from_key(reporter_test_keys(6)[5]).address
    members = sorted([*helper.reporters, newcomer], key=lambda a: int(a, 16))
    helper.at(helper.now + 5)
    receipt = oracle.setReporter(newcomer, True, sender=guardian)
    joined = event(receipt, "ReporterUpdated")
    assert (joined.reporter, joined.isReporter, joined.index) == (newcomer, True, members.index(newcomer))
    assert oracle.reporters() == members
    assert oracle.isReporter(newcomer)
    assert oracle.lastObservedAt(newcomer) == receipt.timestamp

    leaving = helper.reporters[2]
    receipt = oracle.setReporter(leaving, False, sender=guardian)
    left = event(receipt, "ReporterUpdated")
    assert (left.reporter, left.isReporter, left.index) == (leaving, False, members.index(leaving))
    members.remove(leaving)
    assert oracle.reporters() == members
    assert not oracle.isReporter(leaving)
    assert oracle.lastObservedAt(leaving) == 0


def test_a_removed_reporters_reports_count_for_nothing(helper, oracle, guardian):
    """After removal its signature recovers a non-reporter; the others still reach quorum."""
    leaving = helper.reporters[0]
    oracle.setReporter(leaving, False, sender=guardian)
    t = helper.now + 10
    with reverts(oracle.MedianOracleNotReporter, signer=leaving):
        helper.poke([usd(2000)] * 3, t)
    helper.poke([usd(2000)] * 3, t, indices=[1, 2, 3])
    assert oracle.latest()[:2] == (usd(2000), t)


def test_membership_changes_keep_every_other_reporters_replay_protection(helper, oracle, guardian):
    """Reporters joining before, between or after others, and others leaving, never move or reset a
    remaining reporter's lastObservedAt, so its old reports still cannot be replayed (ORA-03)."""
    t = helper.now + 10
    observed = [t - 4, t - 3, t - 2, t - 1, t]
    batch = helper.reports([usd(2000)] * 5, observed)
    helper.at(t)
    oracle.poke(batch, sender=helper.keeper)
    # newcomers that sort before, between and after the fixture's reporters
    candidates = [Account.from_key(k).address for k in reporter_test_keys(40)[5:]]
    low = min(candidates, key=lambda a: int(a, 16))
    high = max(candidates, key=lambda a: int(a, 16))
    middle = next(
        a for a in candidates if int(helper.reporters[1], 16) < int(a, 16) < int(helper.reporters[3], 16)
    )
    for newcomer in (low, middle, high):
        oracle.setReporter(newcomer, True, sender=guardian)
        assert helper.last_observed() == observed, ORA_03
    oracle.setReporter(low, False, sender=guardian)
    oracle.setReporter(helper.reporters[2], False, sender=guardian)
    remaining = [i for i in range(5) if i != 2]
    assert [oracle.lastObservedAt(helper.reporters[i]) for i in remaining] == [observed[i] for i in remaining]
    helper.at(t + 30)
    replay = [batch[i] for i in remaining]
    with reverts(
        oracle.MedianOracleReportReplayed,
        reporter=helper.reporters[0],
        observedAt=observed[0],
        lastAccepted=observed[0],
    ):
        oracle.poke(replay, sender=helper.keeper)


@given(steps=st.lists(st.tuples(st.integers(0, 9), st.integers(1, 50)), min_size=1, max_size=5))
def test_any_sequence_of_joins_and_leaves_matches_a_model(helper, oracle, guardian, chain, steps):
    """Toggling membership of ten candidate accounts (five of them the fixture reporters) keeps
    reporters() equal to the sorted member set and each member's lastObservedAt its own: the time of its
    last accepted report, or of its (re)registration."""
    pool = [Account.from_key(k).address for k in reporter_test_keys(10)]
    with chain.isolate():
        t = helper.now + 10
        helper.poke([usd(2000)] * 5, t, observed_at=[t - 4, t - 3, t - 2, t - 1, t])
        model = {r: oracle.lastObservedAt(r) for r in helper.reporters}
        for index, wait in steps:
            account = pool[index]
            t = helper.at(helper.now + wait)
            oracle.setReporter(account, account not in model, sender=guardian)
            if account in model:
                del model[account]
            else:
                model[account] = t
            assert oracle.reporters() == sorted(model, key=lambda a: int(a, 16))
            assert oracle.lastObservedAt(account) == model.get(account, 0)
        assert {r: oracle.lastObservedAt(r) for r in pool} == {r: model.get(r, 0) for r in pool}, ORA_03


def test_a_re_added_reporter_cannot_replay_reports_from_its_earlier_membership(helper, oracle, guardian):
    """Re-registration restarts the reporter's clock at the new registration time."""
    t0 = helper.now + 10
    old_batch = helper.reports([usd(2000)] * 3, t0 + 100)  # signed, never poked
    helper.at(t0)
    oracle.setReporter(helper.reporters[0], False, sender=guardian)
    helper.at(t0 + 200)
    oracle.setReporter(helper.reporters[0], True, sender=guardian)
    assert oracle.lastObservedAt(helper.reporters[0]) == t0 + 200
    helper.at(t0 + 300)
    with reverts(
        oracle.MedianOracleReportReplayed,
        reporter=helper.reporters[0],
        observedAt=t0 + 100,
        lastAccepted=t0 + 200,
    ):
        oracle.poke(old_batch, sender=helper.keeper)


@pytest.mark.parametrize("case", ["add-member", "remove-non-member", "add-zero"])
def test_reporter_membership_errors(helper, oracle, guardian, stranger, case):
    """Adding a member, removing a non-member, or adding the zero address reverts with the current
    membership."""
    reporter, authorised, member = {
        "add-member": (helper.reporters[2], True, True),
        "remove-non-member": (stranger.address, False, False),
        "add-zero": (ZERO, True, False),
    }[case]
    with reverts(oracle.MedianOracleReporterMembership, reporter=reporter, isReporter=member):
        oracle.setReporter(reporter, authorised, sender=guardian)


def test_the_thirty_third_reporter_does_not_fit(oracle, guardian):
    """MAX_REPORTERS is 32: the five fixture reporters plus 27 join, the next one reverts; after one
    leaves, it fits."""
    keys = reporter_test_keys(33)[5:]
    for key in keys[:27]:
        oracle.setReporter(Account.from_key(key).address, True, sender=guardian)
    assert len(oracle.reporters()) == 32
    last = Account.from_key(keys[27]).address
    with reverts(oracle.MedianOracleTooManyReporters, maxReporters=32):
        oracle.setReporter(last, True, sender=guardian)
    assert not oracle.isReporter(last)
    oracle.setReporter(Account.from_key(keys[0]).address, False, sender=guardian)
    oracle.setReporter(last, True, sender=guardian)
    assert oracle.isReporter(last) and len(oracle.reporters()) == 32


INVALID_CONFIGS = {
    "quorum-zero": CONFIG._replace(quorum=0),
    "quorum-above-max-reporters": CONFIG._replace(quorum=33),
    "max-report-age-zero": CONFIG._replace(maxReportAge=0),
    "max-staleness-zero": CONFIG._replace(maxStaleness=0),
    "volatility-tau-zero": CONFIG._replace(volatilityTau=0),
    "max-deviation-zero": CONFIG._replace(maxDeviation=0),
    "min-price-zero": CONFIG._replace(minPrice=0),
    "min-above-max": CONFIG._replace(minPrice=CONFIG.maxPrice + 1),
}


@pytest.mark.parametrize("name", INVALID_CONFIGS)
def test_invalid_config_reverts_and_changes_nothing(oracle, guardian, name):
    """The configuration is validated as a whole; the error carries the refused configuration."""
    bad = INVALID_CONFIGS[name]
    with reverts(oracle.MedianOracleInvalidConfig, config=tuple(bad)):
        oracle.setConfig(tuple(bad), sender=guardian)
    assert oracle.config() == tuple(CONFIG)


def test_invalid_config_at_deployment_reverts(project, guardian):
    """The constructor applies the same validation."""
    bad = CONFIG._replace(quorum=0)
    with reverts(project.MedianOracle.MedianOracleInvalidConfig):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(bad), [])


def test_guardian_sets_a_valid_config_at_the_edges(helper, oracle, guardian):
    """quorum 32, minPrice == maxPrice, maxFutureSkew 0 and confirmDelay 0 are valid; ConfigUpdated has
    both versions; the new quorum applies to the next poke."""
    edge = CONFIG._replace(quorum=32, minPrice=usd(2000), maxPrice=usd(2000), maxFutureSkew=0, confirmDelay=0)
    receipt = oracle.setConfig(tuple(edge), sender=guardian)
    updated = event(receipt, "ConfigUpdated")
    assert (tuple(updated.previous), tuple(updated.config)) == (tuple(CONFIG), tuple(edge))
    assert oracle.config() == tuple(edge)
    with reverts(oracle.MedianOracleQuorumNotMet, reports=5, quorum=32):
        helper.poke([usd(2000)] * 5, helper.now + 10)


def test_reporters_given_at_deployment_are_registered_and_stamped(project, guardian, chain):
    """Deployment wiring: the constructor registers a sorted reporter list as setReporter would."""
    reporters = sorted((Account.from_key(k).address for k in reporter_test_keys(3)), key=lambda a: int(a, 16))
    oracle = guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), reporters)
    assert list(oracle.reporters()) == reporters
    stamped = chain.blocks.head.timestamp
    assert [oracle.lastObservedAt(r) for r in reporters] == [stamped] * 3


def test_unsorted_or_zero_reporters_at_deployment_revert(project, guardian):
    reporters = sorted((Account.from_key(k).address for k in reporter_test_keys(2)), key=lambda a: int(a, 16))
    with reverts(
        project.MedianOracle.MedianOracleReportersNotAscending, previous=reporters[1], reporter=reporters[0]
    ):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), reporters[::-1])
    zero = "0x" + "00" * 20
    with reverts(project.MedianOracle.MedianOracleReporterMembership, reporter=zero, isReporter=False):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), [zero])
