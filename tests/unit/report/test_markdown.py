"""The Markdown reports: one run's report.md, the `--runs` summary and the sweep, from plain dicts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulwark.report.markdown import ACCOUNT_ROWS, run_markdown, runs_markdown, sweep_markdown
from bulwark.sim.result import METRICS
from tests.unit.report.conftest import ACCOUNTS, SCENARIO_HASH

CHARTS = [Path("/out/run/prices.png"), Path("/out/run/margin_ratios.png")]


def _section(markdown: str, title: str) -> str:
    """The body of the `## title` section."""
    match = re.search(rf"^## {re.escape(title)}\n\n(.*?)(?=^## |\Z)", markdown, re.DOTALL | re.MULTILINE)
    assert match, f"no section {title!r}"
    return match.group(1).strip()


def _metric_row(markdown: str, key: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| {key} |"))


@pytest.fixture(scope="module")
def report(run) -> str:
    return run_markdown(run, CHARTS)


def test_the_header_names_scenario_hash_prefix_seed_backend_commit_and_elapsed(report):
    title, line = report.splitlines()[0], report.splitlines()[2]
    assert title == "# Simulation report: crash-and-pause"
    for part in (
        f"`{SCENARIO_HASH[:12]}`",
        "seed 7",
        "backend revm",
        "commit `1a2b3c4-dirty`",
        "elapsed 3.2",
    ):
        assert part in line
    assert SCENARIO_HASH[:13] not in report


def test_the_headline_lists_every_metric_in_metrics_order(run, report):
    headline = _section(report, "Headline")
    keys = [key for key in METRICS if key in run["metrics"]]
    assert keys == list(METRICS)
    assert [line.split(" | ")[0].lstrip("| ") for line in headline.splitlines()[2:]] == keys


def test_the_headline_formats_each_unit(report):
    assert _metric_row(report, "fund_drawdown").startswith("| fund_drawdown | 5.12% | fraction |")
    assert _metric_row(report, "bad_debt").startswith("| bad_debt | 1,234,567.89 | tokens |")
    assert _metric_row(report, "halted_time").startswith("| halted_time | 1h 20m (4,800 s) | s |")
    assert _metric_row(report, "liquidations").startswith("| liquidations | 12 | count |")
    assert "\\|served / fair - 1\\|" in _metric_row(report, "max_served_gap")  # pipes escaped


def test_the_headline_leaves_out_keys_metrics_does_not_define(run):
    report = run_markdown({**run, "metrics": {"bad_debt": 1.0, "not_a_metric": 2.0}}, [])
    assert [line for line in _section(report, "Headline").splitlines()[2:]] == [
        f"| bad_debt | 1.00 | tokens | {METRICS['bad_debt'][1]} |"
    ]


def test_expectations_say_ok_or_broken(report):
    expectations = _section(report, "Expectations")
    assert expectations.startswith("1 of 2 BROKEN.")
    assert "| bad_prints_served | ok | 0 bad prints served |" in expectations
    assert "| max_deficit | BROKEN | deficit 1,500.00 > 1,000.00 |" in expectations


def test_events_and_intervals_are_tabled(report):
    assert "| 1h 40m | ETH/USD | 3,010.5 | 2,570.25 |" in _section(report, "Breaker trips")
    assert "| 1h 55m | engine | TRADE | 2h 20m |" in _section(report, "Pauses")
    assert "| BTC/USD | 3h 20m | 3h 40m | 20m |" in _section(report, "Stale intervals")
    assert len(_section(report, "Halted intervals").splitlines()) == 2 + 2
    deficits = _section(report, "Deficits and who bore them")
    assert "| 2h 21m | ETH/USD | longs | 1,500.00 |" in deficits
    assert deficits.endswith("Total 1,500.00: ETH/USD longs 1,500.00.")


def test_accounts_are_sorted_by_pnl_and_truncated(run, report):
    accounts = _section(report, "Accounts")
    rows = [line for line in accounts.splitlines() if line.startswith("| ")][2:]
    assert len(rows) == ACCOUNT_ROWS
    known = sorted((a for a in run["accounts"] if a["pnl"] is not None), key=lambda a: a["pnl"])
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [a["name"] for a in known[:ACCOUNT_ROWS]]
    assert accounts.endswith(f"... and {ACCOUNTS - ACCOUNT_ROWS} more accounts (report.json has them all).")


def test_a_few_accounts_are_not_truncated(run):
    report = run_markdown({**run, "accounts": run["accounts"][:3]}, [])
    accounts = _section(report, "Accounts")
    assert "more accounts" not in accounts
    assert accounts.splitlines()[2].startswith("| trader-")  # the one without a pnl comes last
    assert accounts.splitlines()[-1].startswith(
        "| trader-0 | trader | ETH/USD | 10,000.00 | 1,000.00 | n/a | n/a |"
    )


def test_charts_are_linked_by_file_name(report):
    assert _section(report, "Charts") == "![prices](prices.png)\n\n![margin ratios](margin_ratios.png)"


SECTIONS = ("Headline", "Expectations", "Breaker trips", "Pauses", "Stale intervals", "Halted intervals",
            "Deficits and who bore them", "Accounts", "Charts")  # fmt: skip


def test_empty_sections_say_none(quiet_run):
    report = run_markdown(quiet_run, [])
    assert re.findall(r"^## (.*)$", report, re.MULTILINE) == list(SECTIONS)
    for title in SECTIONS:
        assert _section(report, title) == "none", title


SUMMARY = {
    "scenario": "crash-and-pause",
    "scenario_hash": SCENARIO_HASH,
    "seeds": list(range(7, 39)),
    "backend": "revm",
    "commit": "1a2b3c4",
    "percentiles": {
        "deficit": {"p50": 0.0, "p95": 250.0, "p99": 900.5, "mean": 40.0, "max": 1200.0},
        "bad_debt": {"p50": 10.0, "p95": 1234567.891, "p99": 2000000.0, "mean": 50.0, "max": 2500000.0},
        "liquidation_volume": {"p50": 1e5, "p95": 4.5e5, "p99": 6e5, "mean": 1.5e5, "max": 7e5},
        "halted_time": {"p50": 600, "p95": 4800, "p99": 7200, "mean": 900, "max": 9000},
    },
    "deficit_probability": 0.125,
    "runs": 32,
    "elapsed": 41.0,
}


def test_runs_report_gives_what_is_at_risk():
    report = runs_markdown(SUMMARY, [Path("distribution.png")])
    assert "seeds 7..38 (32 runs)" in report.splitlines()[2]
    at_risk = _section(report, "At risk")
    assert "| bad debt at 95% | 1,234,567.89 |" in at_risk
    assert "| bad debt at 99% | 2,000,000.00 |" in at_risk
    assert "| liquidations at risk (liquidation volume at 95%) | 450,000.00 |" in at_risk
    assert "| probability of any deficit | 12.50% |" in at_risk
    assert _section(report, "Charts") == "![distribution](distribution.png)"


def test_runs_report_tables_percentiles_in_metrics_order_with_units():
    rows = _section(runs_markdown(SUMMARY, []), "Percentiles across runs").splitlines()[2:]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [
        "liquidation_volume",
        "bad_debt",
        "deficit",
        "halted_time",
    ]
    assert rows[3].startswith("| halted_time | s | 10m (600 s) | 1h 20m (4,800 s) |")


SWEEP = [
    {"param": "breaker.maxDeviation", "value": value, "runs": 20, "bad_debt_p95": bad_debt,
     "deficit_p95": bad_debt / 2, "deficit_probability": probability, "halted_time_mean": 4800.0}
    for value, bad_debt, probability in ((0.2, 5000.0, 0.35), (0.05, 0.0, 0.0), (0.1, 120.5, 0.05))
]  # fmt: skip
RECOMMENDATION = {
    "param": "breaker.maxDeviation",
    "value": 0.1,
    "direction": "higher is more permissive",
    "evidence": [
        {"value": 0.05, "runs": 20, "deficits": 0, "bad_debt_p95": 0.0},
        {"value": 0.1, "runs": 20, "deficits": 1, "bad_debt_p95": 120.5},
    ],
}


def test_sweep_report_tables_the_rows_by_value():
    rows = _section(sweep_markdown(SWEEP, None), "Results").splitlines()
    assert rows[0].startswith("| param | value | runs | bad debt p95 [tokens] |")
    assert rows[2:] == [
        "| `breaker.maxDeviation` | 0.05 | 20 | 0.00 | 0.00 | 0.00% | 1h 20m |",
        "| `breaker.maxDeviation` | 0.1 | 20 | 120.50 | 60.25 | 5.00% | 1h 20m |",
        "| `breaker.maxDeviation` | 0.2 | 20 | 5,000.00 | 2,500.00 | 35.00% | 1h 20m |",
    ]


def test_sweep_report_gives_the_recommendation_and_its_evidence():
    recommendation = _section(sweep_markdown(SWEEP, RECOMMENDATION), "Recommendation")
    assert recommendation.startswith("Set `breaker.maxDeviation` to **0.1** (higher is more permissive).")
    assert "| 0.1 | 20 | 1 | 120.50 |" in recommendation
    assert _section(sweep_markdown(SWEEP, None), "Recommendation") == "none"
