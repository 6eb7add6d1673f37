"""Markdown reports of simulation results, from report.json's plain dicts (`RunResult.as_dict()`): one
run (`run_markdown`, report.md), the distribution over `--runs K` (`runs_markdown`) and a parameter sweep
(`sweep_markdown`). Numbers are formatted by bulwark.report.formats, re-exported here for the CLI.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bulwark.report.formats import by_unit, count, duration, fraction, number, price, seeds_label, tokens
from bulwark.sim.result import METRICS

NONE = "none"  # what an empty section says
ACCOUNT_ROWS = 40  # accounts listed; the rest are counted
AT_RISK = (  # label, metric, percentile
    ("bad debt at 95%", "bad_debt", "p95"),
    ("bad debt at 99%", "bad_debt", "p99"),
    ("deficit at 95%", "deficit", "p95"),
    ("deficit at 99%", "deficit", "p99"),
    ("liquidations at risk (liquidation volume at 95%)", "liquidation_volume", "p95"),
)
ACCOUNT_COLUMNS = ("name", "role", "markets", "deposited", "withdrawn", "end equity", "pnl", "liquidated",
                   "bad debt", "loss owed")  # fmt: skip
SWEEP_COLUMNS = ("param", "value", "runs", "bad debt p95 [tokens]", "deficit p95 [tokens]", "P(any deficit)",
                 "halted time, mean")  # fmt: skip
STATISTICS = ("p50", "p95", "p99", "mean", "max")


def _row(cells: tuple | list) -> str:
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


def table(headers: tuple[str, ...], rows: list[tuple]) -> str:
    """A Markdown table, or "none" when there are no rows."""
    if not rows:
        return NONE
    return "\n".join([_row(headers), _row(["---"] * len(headers)), *map(_row, rows)])


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n{body}\n"


def chart_links(charts: list[Path]) -> str:
    """Image links by file name: the charts sit next to the report."""
    return "\n\n".join(f"![{chart.stem.replace('_', ' ')}]({chart.name})" for chart in charts) or NONE


def metric_rows(metrics: dict) -> list[tuple[str, str, str, str]]:
    """(metric, formatted value, unit, definition) for each METRICS key in `metrics`, in METRICS order."""
    return [
        (key, by_unit(metrics[key], unit), unit, definition)
        for key, (unit, definition) in METRICS.items()
        if key in metrics
    ]


def _expectations(expectations: list[dict]) -> str:
    if not expectations:
        return NONE
    broken = sum(not e["ok"] for e in expectations)
    verdict = f"{broken} of {len(expectations)} BROKEN." if broken else f"All {len(expectations)} met."
    rows = [(e["name"], "ok" if e["ok"] else "BROKEN", e["detail"]) for e in expectations]
    return f"{verdict}\n\n{table(('expectation', 'result', 'detail'), rows)}"


def _trips(trips: list[dict]) -> str:
    rows = [(duration(t["t"]), t["market"], price(t["served"]), price(t["candidate"])) for t in trips]
    return table(("time from start", "market", "served", "candidate"), rows)


def _pauses(pauses: list[dict]) -> str:
    rows = [(duration(p["t"]), p["target"], ", ".join(p["scopes"]), duration(p["until"])) for p in pauses]
    return table(("time from start", "target", "scopes", "until"), rows)


def _intervals(intervals: list[dict]) -> str:
    rows = [
        (i["market"], duration(i["start"]), duration(i["end"]), duration(i["end"] - i["start"]))
        for i in intervals
    ]
    return table(("market", "start", "end", "length"), rows)


def _deficits(deficits: list[dict]) -> str:
    if not deficits:
        return NONE
    borne: defaultdict[str, float] = defaultdict(float)  # market and side -> tokens
    for d in deficits:
        borne[f"{d['market']} {d['side']}"] += d["amount"]
    rows = [(duration(d["t"]), d["market"], d["side"], tokens(d["amount"])) for d in deficits]
    who = ", ".join(f"{side} {tokens(amount)}" for side, amount in borne.items())
    total = tokens(sum(borne.values()))
    listed = table(("time from start", "market", "borne by", "amount [tokens]"), rows)
    return f"{listed}\n\nTotal {total}: {who}."


def _account_row(a: dict) -> tuple[str, ...]:
    return (
        a["name"],
        a["role"],
        ", ".join(a["markets"]) or "-",
        tokens(a["deposited"]),
        tokens(a["withdrawn"]),
        tokens(a["end_equity"]),
        tokens(a["pnl"]),
        count(a["liquidated"]),
        tokens(a["bad_debt"]),
        tokens(a["loss_owed"]),
    )


def _accounts(accounts: list[dict]) -> str:
    """The accounts by pnl, worst first (those without a pnl, their price halted, last)."""
    ranked = sorted(accounts, key=lambda a: (a["pnl"] is None, a["pnl"] or 0.0))
    rows = [_account_row(a) for a in ranked[:ACCOUNT_ROWS]]
    text = table(ACCOUNT_COLUMNS, rows)
    hidden = len(ranked) - ACCOUNT_ROWS
    return f"{text}\n\n... and {hidden} more accounts (report.json has them all)." if hidden > 0 else text


def run_markdown(run: dict, charts: list[Path]) -> str:
    """report.md of one run; amounts in tokens, times from the scenario's start."""
    line = (
        f"scenario `{run['scenario_hash'][:12]}` · params `{run['params_hash'][:12]}` · seed {run['seed']}"
        f" · backend {run['backend']} · commit `{run['commit']}` · elapsed {run['elapsed']:.1f} s"
    )
    return "\n".join(
        [
            f"# Simulation report: {run['scenario']}\n\n{line}\n",
            _section(
                "Headline", table(("metric", "value", "unit", "definition"), metric_rows(run["metrics"]))
            ),
            _section("Expectations", _expectations(run["expectations"])),
            _section("Breaker trips", _trips(run["breaker_trips"])),
            _section("Pauses", _pauses(run["pauses"])),
            _section("Stale intervals", _intervals(run["stale"])),
            _section("Halted intervals", _intervals(run["halted"])),
            _section("Deficits and who bore them", _deficits(run["deficits"])),
            _section("Accounts", _accounts(run["accounts"])),
            _section("Charts", chart_links(charts)),
        ]
    )


def _at_risk(summary: dict) -> str:
    percentiles = summary["percentiles"]
    rows = [(label, tokens(percentiles[m][q])) for label, m, q in AT_RISK if m in percentiles]
    rows.append(("probability of any deficit", fraction(summary["deficit_probability"])))
    return table(("measure", "value [tokens]"), rows)


def _percentiles(percentiles: dict) -> str:
    keys = [k for k in METRICS if k in percentiles] + [k for k in percentiles if k not in METRICS]
    units = {key: METRICS.get(key, ("",))[0] for key in keys}
    rows = [(k, units[k], *(by_unit(percentiles[k][s], units[k]) for s in STATISTICS)) for k in keys]
    return table(("metric", "unit", *STATISTICS), rows)


def runs_markdown(summary: dict, charts: list[Path]) -> str:
    """The report of `--runs K`: what is at risk at 95% and 99%, each metric's percentiles, the charts."""
    line = (
        f"scenario `{summary['scenario_hash'][:12]}` · {seeds_label(summary['seeds'])}"
        f" ({summary['runs']} runs)"
        f" · backend {summary['backend']} · commit `{summary['commit']}` · elapsed {summary['elapsed']:.1f} s"
    )
    return "\n".join(
        [
            f"# Simulation runs: {summary['scenario']}\n\n{line}\n",
            _section("At risk", _at_risk(summary)),
            _section("Percentiles across runs", _percentiles(summary["percentiles"])),
            _section("Charts", chart_links(charts)),
        ]
    )


def _recommendation(recommendation: dict | None) -> str:
    if recommendation is None:
        return NONE
    r = recommendation
    evidence = [
        (number(e["value"]), count(e["runs"]), count(e["deficits"]), tokens(e["bad_debt_p95"]))
        for e in r["evidence"]
    ]
    sentence = f"Set `{r['param']}` to **{number(r['value'])}** ({r['direction']}). The evidence:"
    return (
        f"{sentence}\n\n{table(('value', 'runs', 'runs with a deficit', 'bad debt p95 [tokens]'), evidence)}"
    )


def _sweep_row(row: dict) -> tuple[str, ...]:
    return (
        f"`{row['param']}`",
        number(row["value"]),
        count(row["runs"]),
        tokens(row["bad_debt_p95"]),
        tokens(row["deficit_p95"]),
        fraction(row["deficit_probability"]),
        duration(row["halted_time_mean"]),
    )


def sweep_markdown(rows: list[dict], recommendation: dict | None) -> str:
    """The sweep: per parameter and value, what its runs found; then the recommendation, if any."""
    params = list(dict.fromkeys(row["param"] for row in rows))
    ordered = sorted(rows, key=lambda row: (params.index(row["param"]), row["value"]))
    return "\n".join(
        [
            "# Parameter sweep\n",
            _section("Results", table(SWEEP_COLUMNS, [_sweep_row(row) for row in ordered])),
            _section("Recommendation", _recommendation(recommendation)),
        ]
    )
