"""The shared number formats: what the reports and the CLI's tables print for each unit."""

from __future__ import annotations

import pytest

from bulwark.report.formats import (
    MISSING,
    by_unit,
    count,
    duration,
    fraction,
    price,
    seconds,
    seeds_label,
    tokens,
)


def test_tokens_have_thousands_separators_and_two_decimals():
    assert tokens(1234567.891) == "1,234,567.89"
    assert tokens(-0.004) == "-0.00"
    assert tokens(None) == MISSING


def test_fractions_are_percentages_with_two_decimals():
    assert fraction(0.0512) == "5.12%"
    assert fraction(1) == "100.00%"


def test_counts_are_integers():
    assert count(12345.0) == "12,345"
    assert count(3) == "3"


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (4800, "1h 20m"),
        (0, "0s"),
        (59.6, "1m"),
        (90, "1m 30s"),
        (3600, "1h"),
        (90061, "1d 1h"),
        (None, MISSING),
    ],
)
def test_durations_show_their_two_largest_units(span, text):
    assert duration(span) == text


def test_seconds_keep_the_raw_figure():
    assert seconds(4800) == "1h 20m (4,800 s)"


def test_by_unit_follows_the_metrics_units():
    assert [by_unit(0.0512, unit) for unit in ("tokens", "fraction", "count", "s", "other")] == [
        "0.05",
        "5.12%",
        "0",
        "0s (0 s)",
        "0.0512",
    ]


def test_prices_and_seeds():
    assert price(64123.45) == "64,123.45"
    assert seeds_label([7]) == "seed 7"
    assert seeds_label([9, 7, 8]) == "seeds 7..9"
