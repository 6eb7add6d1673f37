"""Guardian powers: reporters, configuration and the breaker are the guardian's alone; membership and
configuration are validated."""

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from bulwark.abi.scopes import OracleScope
from bulwark.invariants import GRD_04, ORA_03, ORA_05, ORA_08
from bulwark.model.oracle import DESCRIPTION, tolerates
from bulwark.signing.reports import reporter_test_keys
from tests.fixtures.oracle import CONFIG, FEED, sorted_reporters, usd
from tests.helpers import event, reverts

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
        "setConfig": (tuple(CONFIG._replace(quorum=4)),),
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
    oracle.setConfig(tuple(CONFIG._replace(quorum=4)), sender=guardian)  # six reporters need quorum 4
    newcomer = Account.from_key(reporter_test_keys(6)[5]).address
    members = sorted([*helper.reporters, newcomer], key=lambda a: int(a, 16))
    receipt = oracle.setReporter(newcomer, True, sender=guardian)
    joined = event(receipt, "ReporterUpdated")
    assert (joined.reporter, joined.isReporter, joined.index) == (newcomer, True, members.index(newcomer))
    assert oracle.reporters() == members
    assert oracle.isReporter(newcomer)

    leaving = helper.reporters[2]
    receipt = oracle.setReporter(leaving, False, sender=guardian)
    left = event(receipt, "ReporterUpdated")
    assert (left.reporter, left.isReporter, left.index) == (leaving, False, members.index(leaving))
    members.remove(leaving)
    assert oracle.reporters() == members
    assert not oracle.isReporter(leaving)


def test_a_removed_reporters_reports_count_for_nothing(helper, oracle, guardian):
    """After removal its signature recovers a non-reporter; the others still reach quorum."""
    leaving = helper.reporters[0]
    oracle.setReporter(leaving, False, sender=guardian)
    t = helper.now + 10
    with reverts(oracle.MedianOracleNotReporter, signer=leaving):
        helper.poke([usd(2000)] * 3, t)
    helper.poke([usd(2000)] * 3, t, indices=[1, 2, 3])
    assert oracle.latest()[:2] == (usd(2000), t)


@pytest.mark.parametrize(
    ("change", "quorum", "f", "count"),
    [("remove-two", 3, 1, 3), ("add-one", 3, 1, 6)],
    ids=["below-quorum-plus-f", "quorum-not-a-majority"],
)
def test_a_reporter_change_that_breaks_the_fault_tolerance_reverts(
    helper, oracle, guardian, change, quorum, f, count
):
    """With quorum 3 tolerating one hostile key, five reporters may become four but not three (the honest
    ones alone must reach quorum) nor six (quorum must stay a majority): the change reverts (ORA-05)."""
    if change == "remove-two":
        oracle.setReporter(helper.reporters[0], False, sender=guardian)
        target, authorised = helper.reporters[1], False
    else:
        target, authorised = Account.from_key(reporter_test_keys(6)[5]).address, True
    before = oracle.reporters()
    with reverts(oracle.MedianOracleFaultToleranceViolated, quorum=quorum, faultTolerance=f, reporters=count):
        oracle.setReporter(target, authorised, sender=guardian)
    assert oracle.reporters() == before, ORA_05


@given(steps=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 2)), min_size=1, max_size=6))
def test_any_sequence_of_joins_leaves_and_quorum_changes_matches_the_tolerance_rule(
    helper, oracle, guardian, chain, steps
):
    """Toggling membership of ten candidate accounts and moving quorum and f: each change is accepted
    exactly when quorum >= 2f + 1, 2 quorum > reporters and reporters >= quorum + f hold afterwards, and
    reporters() stays the sorted member set (ORA-05)."""
    pool = [Account.from_key(k).address for k in reporter_test_keys(10)]
    with chain.isolate():
        members, config = set(helper.reporters), CONFIG
        for index, kind in steps:
            if kind == 0:  # toggle a member
                account = pool[index]
                joining = account not in members
                after = members | {account} if joining else members - {account}
                call = lambda a=account, j=joining: oracle.setReporter(a, j, sender=guardian)  # noqa: E731
                q, f, n = config.quorum, config.faultTolerance, len(after)
            else:  # a new quorum (and f with kind 2)
                new = config._replace(quorum=1 + index % 7, faultTolerance=(index // 3) if kind == 2 else 0)
                call = lambda new=new: oracle.setConfig(tuple(new), sender=guardian)  # noqa: E731
                q, f, n, after = new.quorum, new.faultTolerance, len(members), members
            if tolerates(q, f, n):
                call()
                if kind == 0:
                    members = after
                else:
                    config = new
            else:
                with reverts(
                    oracle.MedianOracleFaultToleranceViolated, quorum=q, faultTolerance=f, reporters=n
                ):
                    call()
            assert oracle.reporters() == sorted(members, key=lambda a: int(a, 16)), ORA_05
            assert tuple(oracle.config()) == tuple(config), ORA_05


def test_a_re_added_reporter_cannot_replay_reports_signed_during_its_earlier_membership(
    helper, oracle, guardian
):
    """A report signed before removal (even one dated ahead, within maxFutureSkew) never counts after
    re-registration: it names an epoch that has passed, and epochs never go back (ORA-03)."""
    t0 = helper.now + 10
    epoch = oracle.nextEpoch()
    signed = helper.reports([usd(2000)] * 3, t0 + CONFIG.maxFutureSkew, epoch=epoch)
    helper.at(t0)
    oracle.poke(epoch, signed, sender=helper.keeper)
    oracle.setReporter(helper.reporters[0], False, sender=guardian)
    helper.at(t0 + 200)
    oracle.setReporter(helper.reporters[0], True, sender=guardian)
    helper.serve(usd(2001), t0 + 300)
    with reverts(oracle.MedianOracleWrongEpoch, epoch=epoch, expected=epoch + 2):
        oracle.poke(epoch, signed, sender=helper.keeper)
    assert oracle.latest()[0] == usd(2001), ORA_03


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


def test_the_thirty_third_reporter_does_not_fit(project, guardian):
    """MAX_REPORTERS is 32: an oracle deployed with 32 reporters (quorum 17) refuses the 33rd, and so does
    a constructor given 33."""
    keys = reporter_test_keys(33)
    addresses = sorted((Account.from_key(k).address for k in keys[:32]), key=lambda a: int(a, 16))
    config = CONFIG._replace(quorum=17, faultTolerance=8)
    oracle = guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(config), addresses)
    assert len(oracle.reporters()) == 32
    last = Account.from_key(keys[32]).address
    with reverts(oracle.MedianOracleTooManyReporters, maxReporters=32):
        oracle.setReporter(last, True, sender=guardian)
    assert not oracle.isReporter(last)
    everyone = sorted([*addresses, last], key=lambda a: int(a, 16))
    with reverts(project.MedianOracle.MedianOracleTooManyReporters, maxReporters=32):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(config), everyone)


INVALID_CONFIGS = {
    "quorum-zero": CONFIG._replace(quorum=0),
    "quorum-above-max-reporters": CONFIG._replace(quorum=33),
    "max-report-age-zero": CONFIG._replace(maxReportAge=0),
    "max-staleness-zero": CONFIG._replace(maxStaleness=0),
    "report-age-equal-to-staleness": CONFIG._replace(maxReportAge=CONFIG.maxStaleness),
    "future-skew-above-bound": CONFIG._replace(maxFutureSkew=15 * 60 + 1),
    "volatility-interval-zero": CONFIG._replace(volatilityInterval=0),
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
    """The constructor applies the same validation, the fault-tolerance rule included."""
    bad = CONFIG._replace(quorum=0)
    with reverts(project.MedianOracle.MedianOracleInvalidConfig):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(bad), sorted_reporters())
    with reverts(
        project.MedianOracle.MedianOracleFaultToleranceViolated, quorum=3, faultTolerance=1, reporters=0
    ):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), [])


@pytest.mark.parametrize(
    ("quorum", "f"), [(2, 1), (3, 2), (5, 1)], ids=["below-2f+1", "f-too-large", "too-few-honest"]
)
def test_a_config_that_breaks_the_fault_tolerance_reverts(oracle, guardian, quorum, f):
    """With five reporters: quorum 2 cannot tolerate one hostile key, quorum 3 cannot tolerate two, and
    quorum 5 with one hostile key leaves the honest four short of quorum (ORA-05)."""
    bad = CONFIG._replace(quorum=quorum, faultTolerance=f)
    with reverts(oracle.MedianOracleFaultToleranceViolated, quorum=quorum, faultTolerance=f, reporters=5):
        oracle.setConfig(tuple(bad), sender=guardian)
    assert oracle.config() == tuple(CONFIG), ORA_05


def test_guardian_sets_a_valid_config_at_the_edges(helper, oracle, guardian):
    """quorum 5 (all reporters, tolerating none), minPrice == maxPrice, maxFutureSkew 0 and confirmDelay
    0 are valid; ConfigUpdated has both versions; the new quorum applies to the next poke."""
    edge = CONFIG._replace(
        quorum=5, faultTolerance=0, minPrice=usd(2000), maxPrice=usd(2000), maxFutureSkew=0, confirmDelay=0
    )
    receipt = oracle.setConfig(tuple(edge), sender=guardian)
    updated = event(receipt, "ConfigUpdated")
    assert (tuple(updated.previous), tuple(updated.config)) == (tuple(CONFIG), tuple(edge))
    assert oracle.config() == tuple(edge)
    with reverts(oracle.MedianOracleQuorumNotMet, reports=4, quorum=5):
        helper.poke([usd(2000)] * 4, helper.now + 10)


def test_reporters_given_at_deployment_are_registered(project, guardian):
    """Deployment wiring: the constructor registers a sorted reporter list as setReporter would."""
    reporters = sorted_reporters(3)
    config = CONFIG._replace(quorum=2, faultTolerance=0)
    oracle = guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(config), reporters)
    assert list(oracle.reporters()) == reporters


def test_unsorted_or_zero_reporters_at_deployment_revert(project, guardian):
    reporters = sorted_reporters(5)
    backwards = [reporters[1], reporters[0], *reporters[2:]]
    with reverts(
        project.MedianOracle.MedianOracleReportersNotAscending, previous=reporters[1], reporter=reporters[0]
    ):
        guardian.deploy(project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), backwards)
    zero = "0x" + "00" * 20
    with reverts(project.MedianOracle.MedianOracleReporterMembership, reporter=zero, isReporter=False):
        guardian.deploy(
            project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), [zero, *reporters[1:]]
        )


@pytest.mark.parametrize("change", ["remove-an-unsuspended-reporter", "raise-quorum"])
def test_no_change_leaves_fewer_than_quorum_unsuspended_reporters(helper, oracle, guardian, change):
    """With reporters 0 and 1 suspended (three unsuspended, = quorum), removing reporter 2 (five -> four
    passes the fault-tolerance rule) or raising quorum to 4 would leave the unsuspended reporters short of
    quorum: both revert with the counts, and every suspension and the config stay as they were (ORA-08)."""
    t = helper.now + 10
    until = t + 3600
    helper.at(t)
    oracle.suspendReporter(helper.reporters[0], until, sender=guardian)
    helper.at(t + 1)
    oracle.suspendReporter(helper.reporters[1], until, sender=guardian)
    helper.at(t + 2)
    if change == "raise-quorum":
        with reverts(oracle.MedianOracleSuspensionBreaksQuorum, reporter=ZERO, unsuspended=3, quorum=4):
            oracle.setConfig(tuple(CONFIG._replace(quorum=4)), sender=guardian)
    else:
        with reverts(
            oracle.MedianOracleSuspensionBreaksQuorum, reporter=helper.reporters[2], unsuspended=2, quorum=3
        ):
            oracle.setReporter(helper.reporters[2], False, sender=guardian)
    assert oracle.config() == tuple(CONFIG), ORA_08
    assert oracle.reporters() == helper.reporters, ORA_08
    assert [oracle.suspendedUntil(r) for r in helper.reporters[:2]] == [until, until], ORA_08


def test_poke_and_read_are_both_loss_shifting_scopes(oracle):
    """Pausing either halts every consumer that needs the price (the engine's liquidations among them)."""
    assert oracle.lossShiftingScopes() == OracleScope.POKE | OracleScope.READ == oracle.pauseScopes()


def test_spare_reporters_are_the_unsuspended_beyond_quorum_plus_fault_tolerance(helper, oracle, guardian):
    """Five reporters at quorum 3 with f 1 leave one spare key; a running suspension uses it up, an ended
    one frees it, and a config without slack (quorum 4) has none."""
    assert oracle.spareReporters() == 1
    t = helper.at(helper.now + 10)
    oracle.suspendReporter(helper.reporters[0], t + 600, sender=guardian)
    assert oracle.spareReporters() == 0
    helper.mine_at(t + 600)
    assert oracle.spareReporters() == 1
    helper.at(t + 601)
    oracle.setConfig(tuple(CONFIG._replace(quorum=4)), sender=guardian)
    assert oracle.spareReporters() == 0
