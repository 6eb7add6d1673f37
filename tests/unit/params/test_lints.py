"""Parameter lints: each fires at its threshold and not just inside it, with its severity, path and
reason; the deploy gate refuses on live networks and only reports on local ones."""

import json
from decimal import Decimal

import pytest

from bulwark import PROJECT_ROOT
from bulwark.lints import BY_ID, ERROR, LINTS, WARNING, LintGateRefused, check, crash_bound, deploy_gate
from bulwark.params import ParamsError, validate_params

TESTNET = PROJECT_ROOT / "params" / "testnet.example.json"
ADDRESSES = [f"0x{i:040x}" for i in range(0x100, 0x110)]
GRD, ORA, RSK, FND = ("guardian",), ("markets", 0, "oracle"), ("markets", 0, "risk"), ("fund",)
TINY = Decimal("1e-18")


def base() -> dict:
    """The testnet example, which passes every lint (test below): any finding comes from a change."""
    return json.loads(TESTNET.read_text(), parse_float=Decimal)


def params_with(*changes):
    """The base file with `changes` ((path, value) pairs) applied, validated."""
    data = base()
    for path, value in changes:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return validate_params(data)


def lint(*changes):
    """Findings for the base file with `changes` applied."""
    return check(params_with(*changes)).findings


def of(findings, lint_id, path=None):
    """The severities of `lint_id`'s findings (at `path`, when given)."""
    return [f.severity for f in findings if f.id == lint_id and (path is None or f.path == path)]


def signers(n: int, threshold: int, cancel: int, pause: int, shift: int, breaker: int):
    return [
        ((*GRD, "signers"), ADDRESSES[:n]),
        ((*GRD, "threshold"), threshold),
        ((*GRD, "cancel_threshold"), cancel),
        ((*GRD, "pause_threshold"), pause),
        ((*GRD, "shift_pause_threshold"), shift),
        ((*GRD, "breaker_threshold"), breaker),
    ]


def reporters(n: int, quorum: int, f: int):
    return [((*ORA, "reporters"), ADDRESSES[:n]), ((*ORA, "quorum"), quorum), ((*ORA, "fault_tolerance"), f)]


# (lint id, path or None, changes, expected severity or None); each lint's pairs straddle its threshold
CASES = [
    # guardian.delay: error below 1 h, warning below 1 day (min_delay 0 so that the delay may be low)
    ("PL-GRD-01", None, [((*GRD, "min_delay"), 0), ((*GRD, "delay"), 0)], ERROR),
    ("PL-GRD-01", None, [((*GRD, "min_delay"), 0), ((*GRD, "delay"), 3599)], ERROR),
    ("PL-GRD-01", None, [((*GRD, "min_delay"), 0), ((*GRD, "delay"), 3600)], WARNING),
    ("PL-GRD-01", None, [((*GRD, "min_delay"), 0), ((*GRD, "delay"), 86_399)], WARNING),
    ("PL-GRD-01", None, [((*GRD, "min_delay"), 0), ((*GRD, "delay"), 86_400)], None),
    ("PL-GRD-02", None, [((*GRD, "min_delay"), 3599)], ERROR),
    ("PL-GRD-02", None, [((*GRD, "min_delay"), 3600)], WARNING),
    ("PL-GRD-02", None, [((*GRD, "min_delay"), 86_399)], WARNING),
    ("PL-GRD-02", None, [((*GRD, "min_delay"), 86_400)], None),
    ("PL-GRD-03", None, [((*GRD, "grace_period"), 1)], ERROR),
    ("PL-GRD-03", None, [((*GRD, "grace_period"), 3599)], ERROR),
    ("PL-GRD-03", None, [((*GRD, "grace_period"), 3600)], WARNING),
    ("PL-GRD-03", None, [((*GRD, "grace_period"), 86_399)], WARNING),
    ("PL-GRD-03", None, [((*GRD, "grace_period"), 86_400)], None),
    # max_pause_duration against the delay (172,800 s in the base)
    ("PL-GRD-04", None, [((*GRD, "max_pause_duration"), 172_800)], ERROR),
    ("PL-GRD-04", None, [((*GRD, "max_pause_duration"), 172_801)], WARNING),
    ("PL-GRD-04", None, [((*GRD, "max_pause_duration"), 259_199)], WARNING),
    ("PL-GRD-04", None, [((*GRD, "max_pause_duration"), 259_200)], None),
    ("PL-GRD-05", None, signers(5, 5, 1, 1, 2, 2), WARNING),
    ("PL-GRD-05", None, signers(5, 4, 1, 1, 2, 2), None),
    ("PL-GRD-06", None, signers(1, 1, 1, 1, 1, 1), ERROR),
    ("PL-GRD-06", None, signers(2, 2, 1, 1, 2, 2), None),
    ("PL-GRD-07", None, signers(5, 3, 3, 1, 2, 2), WARNING),
    ("PL-GRD-07", None, signers(5, 3, 2, 1, 2, 2), None),
    ("PL-GRD-08", None, signers(5, 3, 1, 1, 2, 2), WARNING),
    ("PL-GRD-08", None, signers(5, 3, 2, 1, 2, 2), None),
    ("PL-GRD-09", "guardian.pause_threshold", signers(5, 3, 2, 3, 3, 3), WARNING),
    ("PL-GRD-09", "guardian.pause_threshold", signers(5, 3, 2, 2, 3, 3), None),
    ("PL-GRD-09", "guardian.shift_pause_threshold", signers(5, 3, 2, 2, 3, 3), WARNING),
    ("PL-GRD-09", "guardian.shift_pause_threshold", signers(5, 3, 2, 2, 2, 3), None),
    ("PL-GRD-10", None, [((*GRD, "pausers"), [])], WARNING),
    ("PL-GRD-10", None, [((*GRD, "pausers"), ["0x" + "77" * 20])], None),
    # the breaker: absolute bound, and against the initial margin (0.05 * 2 = 10% in the base)
    ("PL-ORA-01", None, [((*ORA, "max_deviation"), Decimal(18))], ERROR),
    ("PL-ORA-01", None, [((*ORA, "max_deviation"), Decimal(1))], ERROR),
    ("PL-ORA-01", None, [((*ORA, "max_deviation"), 1 - TINY)], WARNING),
    ("PL-ORA-01", None, [((*ORA, "max_deviation"), Decimal("0.5") + TINY)], WARNING),
    ("PL-ORA-01", None, [((*ORA, "max_deviation"), Decimal("0.5"))], None),
    ("PL-ORA-02", None, [((*ORA, "max_deviation"), Decimal("0.1") + TINY)], WARNING),
    ("PL-ORA-02", None, [((*ORA, "max_deviation"), Decimal("0.1"))], None),
    # max_staleness against max_report_age (120 s in the base)
    ("PL-ORA-03", None, [((*ORA, "max_staleness"), 121)], ERROR),
    ("PL-ORA-03", None, [((*ORA, "max_staleness"), 179)], ERROR),
    ("PL-ORA-03", None, [((*ORA, "max_staleness"), 180)], WARNING),
    ("PL-ORA-03", None, [((*ORA, "max_staleness"), 239)], WARNING),
    ("PL-ORA-03", None, [((*ORA, "max_staleness"), 240)], None),
    ("PL-ORA-04", None, [((*ORA, "max_staleness"), 86_401)], WARNING),
    ("PL-ORA-04", None, [((*ORA, "max_staleness"), 86_400)], None),
    ("PL-ORA-05", None, reporters(1, 1, 0), ERROR),
    ("PL-ORA-05", None, reporters(5, 3, 0), WARNING),
    ("PL-ORA-05", None, reporters(5, 3, 1), None),
    ("PL-ORA-06", None, reporters(4, 3, 1), WARNING),
    ("PL-ORA-06", None, reporters(5, 3, 1), None),
    ("PL-ORA-07", None, [((*ORA, "confirm_delay"), 299)], WARNING),
    ("PL-ORA-07", None, [((*ORA, "confirm_delay"), 300)], None),
    ("PL-ORA-07", None, [((*ORA, "confirm_delay"), 3600)], None),
    ("PL-ORA-07", None, [((*ORA, "confirm_delay"), 3601)], WARNING),
    # price bounds around the reference price 2,000
    ("PL-ORA-08", None, [((*ORA, "min_price"), 2000 + TINY)], ERROR),
    ("PL-ORA-08", None, [((*ORA, "min_price"), Decimal(2000))], WARNING),
    ("PL-ORA-08", None, [((*ORA, "min_price"), 200 + TINY)], WARNING),
    ("PL-ORA-08", None, [((*ORA, "min_price"), Decimal(200))], None),
    ("PL-ORA-08", None, [((*ORA, "max_price"), 2000 - TINY)], ERROR),
    ("PL-ORA-08", None, [((*ORA, "max_price"), 20_000 - TINY)], WARNING),
    ("PL-ORA-08", None, [((*ORA, "max_price"), Decimal(20_000))], None),
    # the fund: crash bound 250 ETH * 2,000 * (0.10 - 0.05) = 25,000 tokens
    ("PL-FND-01", None, [((*FND, "max_outflow"), 25_000 - Decimal("0.000001"))], WARNING),
    ("PL-FND-01", None, [((*FND, "max_outflow"), Decimal(25_000))], None),
    ("PL-FND-02", None, [((*FND, "redeem_window"), 259_200)], WARNING),
    ("PL-FND-02", None, [((*FND, "redeem_window"), 259_201)], None),
    ("PL-ENG-01", None, [((*RSK, "liquidation_bonus"), Decimal(0))], WARNING),
    ("PL-ENG-01", None, [((*RSK, "liquidation_bonus"), TINY)], None),
    ("PL-ENG-02", None, [((*RSK, "dust_size"), Decimal(0))], WARNING),
    ("PL-ENG-02", None, [((*RSK, "dust_size"), TINY)], None),
]


@pytest.mark.parametrize(("lint_id", "path", "changes", "expected"), CASES)
def test_each_lint_fires_at_its_threshold_and_not_inside_it(lint_id, path, changes, expected):
    """At the threshold the lint fires once with its severity; one unit inside, it does not fire."""
    assert of(lint(*changes), lint_id, path) == ([expected] if expected else [])


def test_every_lint_has_a_firing_and_a_quiet_case():
    """No lint in the catalogue goes untested on either side of its threshold."""
    firing = {c[0] for c in CASES if c[3] is not None}
    quiet = {c[0] for c in CASES if c[3] is None}
    assert firing == quiet == set(BY_ID)
    assert len(BY_ID) == len(LINTS)


def test_the_testnet_example_passes_every_lint():
    """The template for live networks deploys through the gate without --accept-warnings."""
    report = check(validate_params(base()))
    assert report.findings == ()
    assert report.skipped == ()
    assert crash_bound(validate_params(base())) == Decimal(25_000)


def test_the_issues_examples_are_all_flagged():
    """Timelock delay 0, grace window 1 s and a breaker at 1,800% are errors; a staleness below the
    report age does not even validate."""
    findings = lint(
        ((*GRD, "min_delay"), 0),
        ((*GRD, "delay"), 0),
        ((*GRD, "grace_period"), 1),
        ((*ORA, "max_deviation"), Decimal(18)),
    )
    errors = {(f.id, f.path) for f in findings if f.severity == ERROR}
    assert {
        ("PL-GRD-01", "guardian.delay"),
        ("PL-GRD-02", "guardian.min_delay"),
        ("PL-GRD-03", "guardian.grace_period"),
        ("PL-ORA-01", "markets.0.oracle.max_deviation"),
    } <= errors
    data = base()
    data["markets"][0]["oracle"]["max_staleness"] = 100  # max_report_age 120
    with pytest.raises(ParamsError, match="max_report_age 120 must be below max_staleness 100"):
        validate_params(data)


def test_a_finding_names_the_value_with_its_unit_and_the_reason():
    [finding] = [f for f in lint(((*GRD, "grace_period"), 1)) if f.id == "PL-GRD-03"]
    assert finding.path == "guardian.grace_period"
    assert finding.value == "1 s"
    assert "lapse" in finding.reason and "urgent fix waits twice" in finding.reason
    [breaker] = [f for f in lint(((*ORA, "max_deviation"), Decimal(18))) if f.id == "PL-ORA-01"]
    assert breaker.value == "1,800%"
    assert breaker.reason.startswith("ETH/USD: a price can fall by at most 100%, so no fall ever trips")


def test_without_a_reference_price_the_fund_cap_lint_says_it_was_skipped():
    data = base()
    del data["markets"][0]["reference_price"]
    report = check(validate_params(data))
    assert report.findings == ()
    [skipped] = report.skipped
    assert skipped.id == "PL-FND-01" and "no reference_price in markets.0" in skipped.reason


def test_exit_codes_follow_the_ci_convention():
    """0 without errors, 1 with errors; --strict also fails on warnings."""
    clean = check(validate_params(base()))
    warned = check(validate_params({**base(), "fund": {**base()["fund"], "redeem_window": 3600}}))
    data = base()
    data["guardian"]["grace_period"] = 1
    failed = check(validate_params(data))
    assert (clean.exit_code(), clean.exit_code(strict=True)) == (0, 0)
    assert (warned.exit_code(), warned.exit_code(strict=True)) == (0, 1)
    assert (failed.exit_code(), failed.exit_code(strict=True)) == (1, 1)


# ---------------------------------------------------------------- the deploy gate


ERRORS = params_with(((*GRD, "grace_period"), 1), ((*ORA, "max_deviation"), Decimal(18)))
WARNINGS = params_with(((*FND, "redeem_window"), 3600))


def test_a_live_deploy_refuses_lint_errors_even_with_accept_warnings():
    for accept in (False, True):
        with pytest.raises(LintGateRefused) as err:
            deploy_gate(ERRORS, "p.json", live=True, accept_warnings=accept)
        assert str(err.value) == (
            "p.json: 2 lint errors (first: PL-GRD-03 guardian.grace_period = 1 s); a live deployment "
            "refuses errors, see `bulwark params check p.json`"
        )
        assert err.value.exit_code == 2


def test_a_live_deploy_needs_accept_warnings_for_warnings():
    with pytest.raises(
        LintGateRefused, match=r"^p.json: 1 lint warning \(first: PL-FND-02 fund.redeem_window"
    ):
        deploy_gate(WARNINGS, "p.json", live=True, accept_warnings=False)
    line = deploy_gate(WARNINGS, "p.json", live=True, accept_warnings=True)
    assert (
        line
        == "p.json: 0 errors, 1 warning (accepted with --accept-warnings; see `bulwark params check p.json`)"
    )


def test_a_local_deploy_reports_findings_and_proceeds():
    line = deploy_gate(ERRORS, "p.json", live=False, accept_warnings=False)
    assert line.startswith("p.json: 2 errors, ")
    assert "local network: deploying anyway" in line


def test_a_clean_file_passes_the_gate_silently():
    assert deploy_gate(validate_params(base()), "p.json", live=True, accept_warnings=False) is None


def test_every_lint_is_documented_in_the_params_doc_and_the_readme():
    """docs/PARAMS.md has a row per lint ID with its rule; the README's command list names the command."""
    doc = (PROJECT_ROOT / "docs" / "PARAMS.md").read_text()
    for item in LINTS:
        row = next((line for line in doc.splitlines() if line.startswith(f"| {item.id} ")), None)
        assert row is not None, item.id
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "bulwark params check FILE [--json] [--strict]" in readme
