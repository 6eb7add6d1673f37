"""PNG charts of simulation results, drawn from report.json's plain dicts (`RunResult.as_dict()`).

Each chart has a `*_figure(...) -> Figure` that draws it (tests inspect these) and is written by
`save`; `run_charts` writes one run's set, `distribution_chart` and `sweep_chart` those of `--runs` and
sweeps. Figures are `matplotlib.figure.Figure`s, not pyplot ones, so no global state is touched. Every
figure is stamped at the bottom with what reproduces it: scenario, its hash, seed(s), commit, backend.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bulwark.report.formats import fraction, seeds_label, tokens
from bulwark.units import HOUR

WIDTH = 10.0  # [in]
HEIGHT = 6.0  # [in]
DPI = 110
STAMP_SPACE = 0.25  # [in] kept free at the bottom for the stamp

STATUS_COLOURS = {"Tripped": "tab:red", "Stale": "tab:orange", "Paused": "tab:purple", "Empty": "0.6"}
RATIO_RANGE = (-2.0, 10.0)  # margin ratios drawn; those outside are clipped to the edges
PHASES = ("start", "worst", "end")
DISTRIBUTED = ("bad_debt", "deficit", "liquidation_volume")  # [tokens] metrics of distribution_chart
SWEPT = (  # sweep_chart's rows: row key, axis label, divisor
    ("bad_debt_p95", "bad debt p95 [tokens]", 1),
    ("deficit_p95", "deficit p95 [tokens]\n(labels: P(any deficit))", 1),
    ("halted_time_mean", "halted time, mean [h]", HOUR),
)


def stamp_text(meta: dict) -> str:
    """What reproduces a chart, from a run dict or a meta dict with "seed" or "seeds"."""
    seeds = meta.get("seeds") or [meta["seed"]]
    return " · ".join(
        (
            meta["scenario"],
            f"scenario {meta['scenario_hash'][:12]}",
            seeds_label(seeds),
            f"commit {meta['commit']}",
            meta["backend"],
        )
    )


def stamp(fig: Figure, meta: dict) -> None:
    """Write `stamp_text(meta)` small at the bottom left of `fig`."""
    fig.text(0.005, 0.005, stamp_text(meta), fontsize=7, color="0.35", ha="left", va="bottom")


def save(fig: Figure, path: Path) -> Path:
    """Write `fig` as a PNG at `path`; `path`."""
    fig.savefig(path, dpi=DPI)
    return path


def _figure(
    meta: dict, nrows: int = 1, ncols: int = 1, width: float = WIDTH, height: float = HEIGHT, **subplots
) -> tuple[Figure, np.ndarray]:
    """A stamped figure with a 2-d array of axes, laid out clear of the stamp."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    margin = STAMP_SPACE / height
    fig.get_layout_engine().set(rect=(0, margin, 1, 1 - margin))
    stamp(fig, meta)
    return fig, fig.subplots(nrows, ncols, squeeze=False, **subplots)


def _labelled(*axes: Axes) -> dict:
    """The labelled artists of `axes` by label, each label once."""
    unique: dict = {}
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        unique.update(zip(labels, handles, strict=True))
    return unique


def _legend(*axes: Axes, **options) -> None:
    """One legend on the first of `axes` for the artists of all of them."""
    unique = _labelled(*axes)
    axes[0].legend(unique.values(), unique.keys(), fontsize=8, **options)


def _tick(x: float, _position: int) -> str:
    """A tick label with thousands separators and no offset or exponent, e.g. 60000 -> "60,000"."""
    return f"{x:,.10g}"


def _hours(run: dict) -> np.ndarray:
    return np.asarray(run["series"]["t"], dtype=float) / HOUR


def _floats(values: list[float | None]) -> np.ndarray:
    """`values` with None as NaN, which matplotlib leaves as a gap."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def status_spans(hours: np.ndarray, statuses: list[str]) -> list[tuple[float, float, str]]:
    """Runs of one status other than Ok as (start, end, status), each ending at the next step's time
    (the last one at the final step)."""
    spans = []
    for status, steps in groupby(range(len(statuses)), key=statuses.__getitem__):
        indices = list(steps)
        if status != "Ok":
            spans.append((hours[indices[0]], hours[min(indices[-1] + 1, len(hours) - 1)], status))
    return spans


def _draw_market(ax: Axes, run: dict, market: str, hours: np.ndarray) -> None:
    series = run["series"]
    ax.plot(hours, series["fair"][market], color="0.55", lw=1, label="fair")
    ax.step(hours, _floats(series["served"][market]), where="post", color="tab:blue", lw=1.2, label="served")
    for start, end, status in status_spans(hours, series["status"][market]):
        ax.axvspan(start, end, color=STATUS_COLOURS.get(status, "0.8"), alpha=0.2, lw=0, label=status)
    for trip in run["breaker_trips"]:
        if trip["market"] == market:
            ax.axvline(trip["t"] / HOUR, color="tab:red", ls="--", lw=0.9, label="breaker trip")
    for pause in run["pauses"]:  # pauses are on the engine: every market
        ax.axvline(pause["t"] / HOUR, color="tab:purple", ls=":", lw=1.2, label="pause")
    ax.yaxis.set_major_formatter(_tick)
    ax.set(title=market, ylabel="price [quote]")


def prices_figure(run: dict) -> Figure:
    """Per market, the fair and the served price, spans where reads were not Ok, trips and pauses."""
    markets = list(run["series"]["fair"])
    fig, axes = _figure(run, nrows=len(markets), height=1.5 + 2.5 * len(markets), sharex=True)
    hours = _hours(run)
    for ax, market in zip(axes[:, 0], markets, strict=True):
        _draw_market(ax, run, market, hours)
    axes[-1, 0].set_xlabel("time [h]")
    unique = _labelled(*axes[:, 0])
    fig.legend(unique.values(), unique.keys(), loc="outside right upper", fontsize=8)
    fig.suptitle(f"Fair and served prices: {run['scenario']}")
    return fig


def fund_figure(run: dict) -> Figure:
    """The insurance fund's assets, with its share price on a twin axis."""
    fig, axes = _figure(run)
    ax, hours, series = axes[0, 0], _hours(run), run["series"]
    ax.plot(hours, series["fund_assets"], color="tab:blue", label="assets")
    ax.yaxis.set_major_formatter(_tick)
    ax.set(title=f"Insurance fund: {run['scenario']}", xlabel="time [h]", ylabel="assets [tokens]")
    twin = ax.twinx()
    twin.plot(hours, series["share_price"], color="tab:orange", ls="--", label="share price")
    twin.set_ylabel("share price [tokens per share]")
    _legend(ax, twin, loc="lower left")
    return fig


def open_interest_figure(run: dict) -> Figure:
    """Per market (each in its own base unit, so each on its own axes), the long open interest."""
    open_interest = run["series"]["open_interest"]
    fig, axes = _figure(run, nrows=len(open_interest), height=1.5 + 2.0 * len(open_interest), sharex=True)
    hours = _hours(run)
    for ax, (market, values) in zip(axes[:, 0], open_interest.items(), strict=True):
        ax.plot(hours, values, color="tab:blue", lw=1.2)
        ax.set(title=market, ylabel="long OI [base units]")
    axes[-1, 0].set_xlabel("time [h]")
    fig.suptitle(f"Open interest: {run['scenario']}")
    return fig


def liquidations_figure(run: dict) -> Figure:
    """Liquidated notional per step as bars, the running count of liquidations on a twin axis."""
    fig, axes = _figure(run)
    ax, hours, series = axes[0, 0], _hours(run), run["series"]
    width = float(np.median(np.diff(hours))) if len(hours) > 1 else 1.0
    ax.bar(hours, series["liquidation_volume"], width=width, align="edge", color="tab:red", label="volume")
    ax.yaxis.set_major_formatter(_tick)
    total = tokens(sum(series["liquidation_volume"]))
    ax.set(title=f"Liquidations: {total} tokens", xlabel="time [h]", ylabel="volume per step [tokens]")
    twin = ax.twinx()
    twin.step(hours, np.cumsum(series["liquidations"]), where="post", color="k", lw=1, label="count")
    twin.set_ylabel("liquidations so far [count]")
    _legend(ax, twin, loc="upper left")
    return fig


def margin_ratios_figure(run: dict) -> Figure:
    """Histograms of the accounts' margin ratios at the start, at their worst and at the end."""
    fig, axes = _figure(run)
    ax, (low, high) = axes[0, 0], RATIO_RANGE
    ratios = {phase: np.asarray(run["margin_ratios"].get(phase, []), dtype=float) for phase in PHASES}
    clipped = sum(int(np.count_nonzero((values < low) | (values > high))) for values in ratios.values())
    bins = np.linspace(low, high, 49)
    for phase, values in ratios.items():
        ax.hist(
            np.clip(values, low, high), bins=bins, histtype="step", lw=1.5, label=f"{phase} ({len(values)})"
        )
    ax.axvline(1.0, color="k", ls="--", lw=1, label="liquidation line (1.0)")
    total = sum(len(values) for values in ratios.values())
    ax.set(
        title="Margin ratios (equity / maintenance margin)\n"
        f"{clipped} of {total} values outside [{low:g}, {high:g}] clipped to the edges",
        xlim=RATIO_RANGE,
        xlabel="margin ratio",
        ylabel="accounts",
    )
    _legend(ax, loc="upper right")
    return fig


def _percentile_lines(ax: Axes, values: np.ndarray) -> None:
    """Vertical lines at the 95th and 99th percentiles of `values` (none if there are no values)."""
    if not values.size:
        return
    for q, style in ((95, "--"), (99, ":")):
        at = float(np.percentile(values, q))
        ax.axvline(at, color="tab:red", ls=style, lw=1.2, label=f"p{q} {tokens(at)}")


def distribution_figure(runs: list[dict], meta: dict) -> Figure:
    """Histograms across runs of bad debt, deficit and liquidated notional, with their p95 and p99."""
    fig, axes = _figure({**meta, "seeds": [run["seed"] for run in runs]}, ncols=len(DISTRIBUTED), height=4.5)
    for ax, metric in zip(axes[0], DISTRIBUTED, strict=True):
        values = np.asarray([v for run in runs if (v := run["metrics"].get(metric)) is not None], dtype=float)
        ax.hist(values, bins=30, color="tab:blue", alpha=0.7)
        _percentile_lines(ax, values)
        ax.xaxis.set_major_formatter(_tick)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(title=metric.replace("_", " "), xlabel="[tokens]", ylabel="runs")
        _legend(ax, loc="upper right")
    fig.suptitle(f"{meta['scenario']}: {len(runs)} runs")
    return fig


def _sweep_column(axes: np.ndarray, param: str, points: list[dict]) -> None:
    """One parameter's column of sweep_figure: each SWEPT figure against the parameter's value."""
    x = [point["value"] for point in points]
    for ax, (key, _, divisor) in zip(axes, SWEPT, strict=True):
        ax.plot(x, [point[key] / divisor for point in points], marker="o", color="tab:blue")
        ax.yaxis.set_major_formatter(_tick)
        ax.margins(y=0.15)
    for point in points:
        at = (point["value"], point["deficit_p95"])
        label = fraction(point["deficit_probability"])
        axes[1].annotate(label, at, textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    axes[0].set_title(param)
    axes[-1].set_xlabel(param)


def sweep_figure(rows: list[dict], meta: dict) -> Figure:
    """Per swept parameter (columns), bad debt p95, deficit p95 and mean halted time against its value."""
    params = list(dict.fromkeys(row["param"] for row in rows))
    width = max(WIDTH, 4.0 * len(params))
    fig, axes = _figure(meta, nrows=len(SWEPT), ncols=len(params), width=width, height=8.0, sharex="col")
    for column, param in enumerate(params):
        points = sorted((row for row in rows if row["param"] == param), key=lambda row: row["value"])
        _sweep_column(axes[:, column], param, points)
    for ax, (_, label, _) in zip(axes[:, 0], SWEPT, strict=True):
        ax.set_ylabel(label)
    fig.suptitle(f"Sweep: {meta['scenario']}")
    return fig


RUN_CHARTS: dict[str, Callable[[dict], Figure]] = {
    "prices.png": prices_figure,
    "fund.png": fund_figure,
    "open_interest.png": open_interest_figure,
    "liquidations.png": liquidations_figure,
    "margin_ratios.png": margin_ratios_figure,
}


def run_charts(run: dict, out_dir: Path) -> list[Path]:
    """Write one run's charts (RUN_CHARTS) into `out_dir`; their paths, in RUN_CHARTS order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [save(figure(run), out_dir / name) for name, figure in RUN_CHARTS.items()]


def distribution_chart(runs: list[dict], out: Path, meta: dict) -> Path:
    """Write distribution_figure of `--runs` results (stamped with their seeds) at `out`."""
    return save(distribution_figure(runs, meta), out)


def sweep_chart(rows: list[dict], out: Path, meta: dict) -> Path:
    """Write sweep_figure of a sweep's rows at `out`."""
    return save(sweep_figure(rows, meta), out)
