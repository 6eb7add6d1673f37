"""The charts: every file is a real PNG, every figure carries the stamp that reproduces it, and the
figures show what the run holds (markets, trips, pauses, clipped margin ratios, percentiles)."""

from __future__ import annotations

import numpy as np
import pytest

from bulwark.report.charts import (
    RATIO_RANGE,
    RUN_CHARTS,
    distribution_chart,
    distribution_figure,
    margin_ratios_figure,
    prices_figure,
    run_charts,
    stamp_text,
    status_spans,
    sweep_chart,
    sweep_figure,
)
from bulwark.report.formats import tokens
from tests.unit.report.conftest import COMMIT, OUTSIDE, SCENARIO_HASH, SEED, make_run

PNG = b"\x89PNG\r\n\x1a\n"
SWEEP_ROWS = [
    {"param": param, "value": value, "bad_debt_p95": 100.0 * value, "deficit_p95": 10.0 * value,
     "deficit_probability": probability, "halted_time_mean": 1800.0 * value}
    for param, values in (("breaker.maxDeviation", (0.05, 0.1, 0.2)), ("fund.size", (1e5, 1e6)))
    for value, probability in zip(values, (0.0, 0.25, 0.5), strict=False)
]  # fmt: skip


def _texts(fig) -> list[str]:
    return [text.get_text() for text in fig.texts]


def _legend_labels(legend_holder) -> list[str]:
    """The labels of the legend of an Axes, or of a Figure's (first) figure-level legend."""
    legend = legend_holder.legends[0] if hasattr(legend_holder, "legends") else legend_holder.get_legend()
    return [text.get_text() for text in legend.get_texts()]


def _assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG), path
    assert len(data) > 10_000, f"{path} is only {len(data)} bytes"


@pytest.fixture(scope="module")
def runs() -> list[dict]:
    return [make_run(seed, bad_debt=1000.0 * (seed - SEED)) for seed in range(SEED, SEED + 10)]


def test_stamp_text_names_scenario_hash_prefix_seed_commit_and_backend(run):
    text = stamp_text(run)
    for part in (
        "crash-and-pause",
        f"scenario {SCENARIO_HASH[:12]}",
        f"seed {SEED}",
        f"commit {COMMIT}",
        "revm",
    ):
        assert part in text
    assert SCENARIO_HASH[:13] not in text


def test_stamp_text_gives_a_range_of_seeds():
    meta = {
        "scenario": "s",
        "scenario_hash": SCENARIO_HASH,
        "seeds": [7, 8, 9],
        "commit": COMMIT,
        "backend": "revm",
    }
    assert "seeds 7..9" in stamp_text(meta)


def test_run_charts_writes_every_chart_as_a_png(run, tmp_path):
    paths = run_charts(run, tmp_path / "charts")
    assert [path.name for path in paths] == list(RUN_CHARTS)
    for path in paths:
        _assert_png(path)


@pytest.mark.parametrize("name", list(RUN_CHARTS))
def test_every_run_figure_carries_the_stamp(run, name):
    assert stamp_text(run) in _texts(RUN_CHARTS[name](run))


def test_prices_has_a_subplot_per_market_with_trip_pause_and_status_spans(run):
    fig = prices_figure(run)
    eth, btc = fig.axes
    assert (eth.get_title(), btc.get_title()) == ("ETH/USD", "BTC/USD")
    assert {"fair", "served", "Empty", "Tripped", "Paused", "Stale", "breaker trip", "pause"} == set(
        _legend_labels(fig)
    )
    assert "breaker trip" in eth.get_legend_handles_labels()[1]
    assert "breaker trip" not in btc.get_legend_handles_labels()[1]  # the trip was on ETH only
    assert "Stale" in btc.get_legend_handles_labels()[1]
    served = eth.get_lines()[1].get_ydata()
    assert np.isnan(served[:2]).all() and not np.isnan(served[2:]).any()  # a gap while Empty


def test_status_spans_run_to_the_next_step():
    hours = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    spans = status_spans(hours, ["Ok", "Tripped", "Tripped", "Ok", "Stale"])
    assert spans == [(1.0, 3.0, "Tripped"), (4.0, 4.0, "Stale")]


def test_margin_ratio_title_counts_the_clipped_values(run):
    low, high = RATIO_RANGE
    ratios = [r for values in run["margin_ratios"].values() for r in values]
    clipped = sum(not low <= r <= high for r in ratios)
    assert clipped >= sum(map(len, OUTSIDE.values()))
    title = margin_ratios_figure(run).axes[0].get_title()
    assert f"{clipped} of {len(ratios)} values outside [-2, 10]" in title
    assert "liquidation line (1.0)" in _legend_labels(margin_ratios_figure(run).axes[0])


def test_distribution_chart_marks_p95_and_p99_and_stamps_the_seeds(runs, tmp_path):
    meta = {key: runs[0][key] for key in ("scenario", "scenario_hash", "seed", "commit", "backend")}
    _assert_png(distribution_chart(runs, tmp_path / "distribution.png", meta))
    fig = distribution_figure(runs, meta)
    assert f"seeds {SEED}..{SEED + 9}" in _texts(fig)[0]
    bad_debt = [run["metrics"]["bad_debt"] for run in runs]
    assert _legend_labels(fig.axes[0]) == [f"p{q} {tokens(np.percentile(bad_debt, q))}" for q in (95, 99)]


def test_sweep_chart_has_a_column_per_param_and_annotates_deficit_probability(run, tmp_path):
    _assert_png(sweep_chart(SWEEP_ROWS, tmp_path / "sweep.png", run))
    fig = sweep_figure(SWEEP_ROWS, run)
    assert len(fig.axes) == 3 * 2
    assert [ax.get_title() for ax in fig.axes[:2]] == ["breaker.maxDeviation", "fund.size"]
    deficit_axes = fig.axes[2]
    assert [text.get_text() for text in deficit_axes.texts] == ["0.00%", "25.00%", "50.00%"]
    halted = fig.axes[4].get_lines()[0].get_ydata()
    assert list(halted) == pytest.approx([0.025, 0.05, 0.1])  # [h]
    assert stamp_text(run) in _texts(fig)
