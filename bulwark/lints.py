"""Parameter lints: values the contracts accept (a file that validates deploys and verifies) that are
footguns all the same, each with the reason: what breaks and who pays.

`check(params)` returns the findings; `bulwark params check FILE` prints them (bulwark.commands.params)
and `bulwark deploy` gates on them (`deploy_gate`). Severities:

- **error**: the value makes the suite unusable or unsafe by construction (an operation window of one
  second, a breaker no fall can trip, one key that sets every price);
- **warning**: a risky choice a team may make on purpose (a one-hour timelock on a local chain).

Every lint, its rule, threshold and reason is in docs/PARAMS.md; `LINTS` is the catalogue it mirrors.
Each rule reads the contracts' own semantics (IPauseGuardian, IMedianOracle, IInsuranceFund,
IMarginEngine): the validator (bulwark.params) already refuses what a constructor would revert on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import click

from bulwark.params import SuiteParams
from bulwark.units import DAY, HOUR, MINUTE

ERROR, WARNING = "error", "warning"

# Thresholds (docs/PARAMS.md gives the reasoning for each).
DELAY_ERROR = HOUR  # [s] timelock delay / min_delay below this: error
DELAY_WARNING = DAY  # [s] ... below this: warning
GRACE_ERROR = HOUR  # [s] grace period below this: error
GRACE_WARNING = DAY  # [s] ... below this: warning
PAUSE_MARGIN = DAY  # [s] a pause should outlast the delay by this much (time to gather the fix's approvals)
BREAKER_ERROR = Decimal(1)  # [fraction] maxDeviation at or above this: no fall can trip the breaker
BREAKER_WARNING = Decimal("0.5")  # [fraction] maxDeviation above this: warning
FRESH_ERROR = MINUTE  # [s] maxStaleness - maxReportAge below this: error
STALENESS_WARNING = DAY  # [s] maxStaleness above this: warning
CONFIRM_LOW = 5 * MINUTE  # [s] confirmDelay below this: warning
CONFIRM_HIGH = HOUR  # [s] confirmDelay above this: warning
PRICE_ROOM = Decimal(10)  # reference price within this factor of minPrice or maxPrice: warning


class Lint(NamedTuple):
    id: str
    field: str  # the parameter(s) it reads
    rule: str  # when it fires, and at which severity


LINTS = (
    Lint(
        "PL-GRD-01",
        "guardian.delay",
        f"error below {DELAY_ERROR} s (1 h), warning below {DELAY_WARNING} s (1 day)",
    ),
    Lint(
        "PL-GRD-02",
        "guardian.min_delay",
        f"error below {DELAY_ERROR} s (1 h), warning below {DELAY_WARNING} s",
    ),
    Lint(
        "PL-GRD-03",
        "guardian.grace_period",
        f"error below {GRACE_ERROR} s (1 h), warning below {GRACE_WARNING} s",
    ),
    Lint(
        "PL-GRD-04",
        "guardian.max_pause_duration",
        "error when not above delay; warning when below delay + 1 day",
    ),
    Lint(
        "PL-GRD-05",
        "guardian.threshold",
        "warning when threshold equals the signer count (two or more signers)",
    ),
    Lint("PL-GRD-06", "guardian.signers", "error with a single signer"),
    Lint("PL-GRD-07", "guardian.cancel_threshold", "warning when above the signer count minus threshold"),
    Lint("PL-GRD-08", "guardian.cancel_threshold", "warning when 1 with two or more signers"),
    Lint(
        "PL-GRD-09",
        "guardian.pause_threshold, guardian.shift_pause_threshold",
        "warning when pause_threshold (threshold >= 2) or shift_pause_threshold (threshold >= 3) equals "
        "threshold",
    ),
    Lint("PL-GRD-10", "guardian.pausers", "warning when empty"),
    Lint(
        "PL-ORA-01",
        "markets.N.oracle.max_deviation",
        f"error at or above {BREAKER_ERROR} (100%), warning above {BREAKER_WARNING} (50%)",
    ),
    Lint(
        "PL-ORA-02",
        "markets.N.oracle.max_deviation",
        "warning when above the market's initial margin rate, risk.base_mmr * risk.im_factor",
    ),
    Lint(
        "PL-ORA-03",
        "markets.N.oracle.max_staleness",
        f"error when max_staleness - max_report_age is below {FRESH_ERROR} s; warning when max_staleness "
        "is below 2 * max_report_age (max_staleness <= max_report_age does not validate)",
    ),
    Lint("PL-ORA-04", "markets.N.oracle.max_staleness", f"warning above {STALENESS_WARNING} s (1 day)"),
    Lint("PL-ORA-05", "markets.N.oracle.quorum", "error when quorum is 1; warning when fault_tolerance is 0"),
    Lint(
        "PL-ORA-06",
        "markets.N.oracle reporters",
        "warning when reporters == quorum + fault_tolerance (no spare key)",
    ),
    Lint(
        "PL-ORA-07",
        "markets.N.oracle.confirm_delay",
        f"warning below {CONFIRM_LOW} s (5 min) or above {CONFIRM_HIGH} s (1 h)",
    ),
    Lint(
        "PL-ORA-08",
        "markets.N.reference_price",
        "error outside [min_price, max_price]; warning when min_price is above reference / 10 or max_price "
        "below reference * 10",
    ),
    Lint("PL-FND-01", "fund.max_outflow", "warning when below the crash bound (docs/PARAMS.md)"),
    Lint("PL-FND-02", "fund.redeem_window", "warning when not above guardian.max_pause_duration"),
    Lint("PL-ENG-01", "markets.N.risk.liquidation_bonus", "warning when 0"),
    Lint("PL-ENG-02", "markets.N.risk.dust_size", "warning when 0"),
)
BY_ID = {lint.id: lint for lint in LINTS}


@dataclass(frozen=True)
class Finding:
    id: str  # a LINTS id
    severity: str  # ERROR or WARNING
    path: str  # the parameter's dotted path, as validation errors name it
    value: str  # the value, with its unit
    reason: str  # what breaks and who pays

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Skipped:
    id: str
    reason: str


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def exit_code(self, strict: bool = False) -> int:
        """The CI convention: 1 with any error (or, with `strict`, any warning), else 0."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def summary(self) -> str:
        return f"{_count(len(self.errors), 'error')}, {_count(len(self.warnings), 'warning')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def span(seconds: int) -> str:
    """`3600 s (1 h)`: seconds with the largest whole unit, for values and reasons."""
    for unit, name in ((DAY, "day"), (HOUR, "h"), (MINUTE, "min")):
        if seconds >= unit:
            amount = Decimal(seconds) / unit
            shown = f"{amount:.1f}".rstrip("0").rstrip(".")
            plural = "s" if name == "day" and amount != 1 else ""
            return f"{seconds} s ({shown} {name}{plural})"
    return f"{seconds} s"


def pct(value: Decimal) -> str:
    """`1,800%` for 18, `10%` for 0.1 (exact: the file's decimals are exact)."""
    return f"{(value * 100).normalize():,f}%"


def check(params: SuiteParams) -> Report:
    """Every lint over a validated parameter file."""
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    findings += _guardian(params)
    for i, market in enumerate(params.markets):
        findings += _oracle(i, market)
        findings += _risk(i, market)
    fund, skip = _fund(params)
    findings += fund
    skipped += skip
    return Report(tuple(findings), tuple(skipped))


def _tiered(value: int, error_below: int, warning_below: int) -> str | None:
    if value < error_below:
        return ERROR
    if value < warning_below:
        return WARNING
    return None


def _guardian(params: SuiteParams) -> list[Finding]:
    g = params.guardian
    out: list[Finding] = []
    n = g.anvil_signers or len(g.signers or [])

    if severity := _tiered(g.delay, DELAY_ERROR, DELAY_WARNING):
        out.append(
            Finding(
                "PL-GRD-01",
                severity,
                "guardian.delay",
                span(g.delay),
                f"an approved operation runs {span(g.delay)} after it is scheduled: too soon for the other "
                "signers to gather a cancel, and for traders and stakers to leave before a change they do "
                "not accept (stakers need the fund's cooldown); every user of the suite pays for a hostile "
                "or mistaken change",
            )
        )
    if severity := _tiered(g.min_delay, DELAY_ERROR, DELAY_WARNING):
        out.append(
            Finding(
                "PL-GRD-02",
                severity,
                "guardian.min_delay",
                span(g.min_delay),
                f"threshold signers can cut the delay to min_delay (the cut itself waits out the old "
                f"delay); from then on every change runs {span(g.min_delay)} after it is scheduled, with "
                "PL-GRD-01's consequences for every user",
            )
        )
    if severity := _tiered(g.grace_period, GRACE_ERROR, GRACE_WARNING):
        out.append(
            Finding(
                "PL-GRD-03",
                severity,
                "guardian.grace_period",
                span(g.grace_period),
                f"an operation can run only in the {span(g.grace_period)} after its ETA; a congested chain "
                "or an absent executor lets it lapse, and approving it again restarts the delay, so an "
                "urgent fix waits twice while users stay exposed",
            )
        )
    pause = g.max_pause_duration
    if pause <= g.delay:
        severity = ERROR
    elif pause < g.delay + PAUSE_MARGIN:
        severity = WARNING
    else:
        severity = None
    if severity:
        out.append(
            Finding(
                "PL-GRD-04",
                severity,
                "guardian.max_pause_duration",
                f"{span(pause)}; delay {span(g.delay)}",
                "a fast pause ends after at most max_pause_duration, but a fix scheduled the moment the "
                f"pause lands runs only after the delay, plus the time to gather {g.threshold} approvals: "
                "the paused contract resumes unfixed unless threshold signers extend the pause, and users "
                "of the exploited contract pay",
            )
        )
    if n == 1:
        out.append(
            Finding(
                "PL-GRD-06",
                ERROR,
                "guardian.signers",
                "1 signer",
                "one key is the whole guardian of every contract: whoever steals it changes any parameter "
                "and pauses anything, and its loss freezes the suite for good (the guardian is immutable); "
                "every user pays",
            )
        )
    else:
        if g.threshold == n:
            out.append(
                Finding(
                    "PL-GRD-05",
                    WARNING,
                    "guardian.threshold",
                    f"{g.threshold} of {n} signers",
                    "every signer is needed for any operation: one lost key freezes the guardian for good "
                    "(no operation can run, not even the one replacing that signer; the suite must be "
                    "redeployed), and rotation needs a spare signer",
                )
            )
        if g.cancel_threshold > n - g.threshold:
            out.append(
                Finding(
                    "PL-GRD-07",
                    WARNING,
                    "guardian.cancel_threshold",
                    f"{g.cancel_threshold}; {n} signers, threshold {g.threshold}",
                    f"if {g.threshold} signers schedule a hostile operation, the {n - g.threshold} others "
                    f"cannot reach the {g.cancel_threshold} approvals a cancel needs: nothing stops it but "
                    "users leaving within the delay",
                )
            )
        if g.cancel_threshold == 1:
            out.append(
                Finding(
                    "PL-GRD-08",
                    WARNING,
                    "guardian.cancel_threshold",
                    "1",
                    "any single signer (a stolen or rogue key) cancels every operation, including the one "
                    "that removes it: governance is frozen until that key agrees",
                )
            )
        if g.threshold >= 2 and g.pause_threshold == g.threshold:
            out.append(
                Finding(
                    "PL-GRD-09",
                    WARNING,
                    "guardian.pause_threshold",
                    f"{g.pause_threshold}; threshold {g.threshold}",
                    "a fast pause needs as many signers as a scheduled operation: the fast path loses its "
                    "point, and while approvals are gathered an exploit keeps draining users",
                )
            )
        if g.threshold >= 3 and g.shift_pause_threshold == g.threshold:
            out.append(
                Finding(
                    "PL-GRD-09",
                    WARNING,
                    "guardian.shift_pause_threshold",
                    f"{g.shift_pause_threshold}; threshold {g.threshold}",
                    "pausing a loss-shifting scope (the oracle's POKE and READ, the fund's COVER, the "
                    "engine's LIQUIDATE) at once needs every approval a scheduled operation needs: an "
                    "oracle under attack keeps serving while approvals are gathered",
                )
            )
    if not g.pausers:
        out.append(
            Finding(
                "PL-GRD-10",
                WARNING,
                "guardian.pausers",
                "none",
                "no pause-only key: a monitor that contains incidents at once must hold a signer's key, "
                "and whoever steals it from that always-online machine holds a signer's approval for "
                "every operation, not just pauses that signers can lift (GRD-06)",
            )
        )
    return out


def _oracle(i: int, market) -> list[Finding]:
    o, risk = market.oracle, market.risk
    base = f"markets.{i}.oracle"
    name = market.name
    out: list[Finding] = []
    reporters = o.test_reporters or len(o.reporters or [])

    dev = o.max_deviation
    if dev >= BREAKER_ERROR:
        out.append(
            Finding(
                "PL-ORA-01",
                ERROR,
                f"{base}.max_deviation",
                pct(dev),
                f"{name}: a price can fall by at most 100%, so no fall ever trips the breaker: a crash or a "
                "hostile median is served at once, liquidating traders at it and leaving its bad debt to "
                "the fund",
            )
        )
    elif dev > BREAKER_WARNING:
        out.append(
            Finding(
                "PL-ORA-01",
                WARNING,
                f"{base}.max_deviation",
                pct(dev),
                f"{name}: a move of up to {pct(dev)} in one update is served without the breaker holding "
                "it; f + 1 hostile keys walk the price that far per update, and traders are liquidated at it",
            )
        )
    initial = risk.base_mmr * risk.im_factor
    if dev > initial:
        out.append(
            Finding(
                "PL-ORA-02",
                WARNING,
                f"{base}.max_deviation",
                f"{pct(dev)}; initial margin {pct(initial)}",
                f"{name}: one served update can move a position opened at full leverage through its whole "
                "initial margin before the breaker holds anything; what it loses beyond its margin is bad "
                "debt the fund pays (then the market's other side)",
            )
        )

    fresh = o.max_staleness - o.max_report_age
    if fresh < FRESH_ERROR or o.max_staleness < 2 * o.max_report_age:
        out.append(
            Finding(
                "PL-ORA-03",
                ERROR if fresh < FRESH_ERROR else WARNING,
                f"{base}.max_staleness",
                f"{span(o.max_staleness)}; max_report_age {span(o.max_report_age)}",
                f"{name}: updatedAt is the oldest report of a poke, so reports at the age limit serve a "
                f"price that is readable for only {span(fresh)}; a relay delay past that makes reads revert "
                "as stale, halting trades and liquidations (ENG-06), and bad debt grows meanwhile",
            )
        )
    if o.max_staleness > STALENESS_WARNING:
        out.append(
            Finding(
                "PL-ORA-04",
                WARNING,
                f"{base}.max_staleness",
                span(o.max_staleness),
                f"{name}: reads serve a price up to {span(o.max_staleness)} old as fresh; fills (within "
                "max_trade_deviation of it) and liquidations run at a price the market left, and the "
                "traders on the other side and the fund pay the difference",
            )
        )

    if o.quorum == 1:
        out.append(
            Finding(
                "PL-ORA-05",
                ERROR,
                f"{base}.quorum",
                f"1; {reporters} reporters",
                f"{name}: one report is a poke's whole median: a single stolen or faulty reporter key sets "
                "the price every margin check and liquidation uses",
            )
        )
    elif o.fault_tolerance == 0:
        out.append(
            Finding(
                "PL-ORA-05",
                WARNING,
                f"{base}.fault_tolerance",
                f"0; quorum {o.quorum}, {reporters} reporters",
                f"{name}: the feed declares no hostile key tolerated, so ORA-05 promises nothing: one "
                "stolen reporter key can choose or pull the median, and traders are liquidated at it",
            )
        )
    if o.quorum > 1 and reporters == o.quorum + o.fault_tolerance:
        out.append(
            Finding(
                "PL-ORA-06",
                WARNING,
                f"{base}.test_reporters" if o.test_reporters else f"{base}.reporters",
                f"{reporters}; quorum {o.quorum}, fault_tolerance {o.fault_tolerance}",
                f"{name}: no spare reporter: one honest reporter offline while the {o.fault_tolerance} "
                "tolerated hostile keys stay silent leaves no quorum, so the price goes stale and "
                "liquidations halt; and suspending any reporter needs shift_pause_threshold signers",
            )
        )

    if o.confirm_delay < CONFIRM_LOW:
        out.append(
            Finding(
                "PL-ORA-07",
                WARNING,
                f"{base}.confirm_delay",
                span(o.confirm_delay),
                f"{name}: a tripped level is served after {span(o.confirm_delay)}, before signers can "
                "gather breaker_threshold approvals to clear it or a pause: a manipulated level reaches "
                "margin checks and liquidations",
            )
        )
    elif o.confirm_delay > CONFIRM_HIGH:
        out.append(
            Finding(
                "PL-ORA-07",
                WARNING,
                f"{base}.confirm_delay",
                span(o.confirm_delay),
                f"{name}: a genuine move beyond max_deviation halts reads for {span(o.confirm_delay)} "
                "(reads revert while tripped): no liquidation runs during a crash, and the bad debt that "
                "builds falls on the fund and the market's other side",
            )
        )

    ref = market.reference_price
    if ref is not None:
        path = f"markets.{i}.reference_price"
        bounds = f"{ref}; min_price {o.min_price}, max_price {o.max_price}"
        if not o.min_price <= ref <= o.max_price:
            out.append(
                Finding(
                    "PL-ORA-08",
                    ERROR,
                    path,
                    bounds,
                    f"{name}: honest reports at the expected price are out of bounds and rejected: the "
                    "feed can never serve a price",
                )
            )
        elif o.min_price * PRICE_ROOM > ref or o.max_price < ref * PRICE_ROOM:
            out.append(
                Finding(
                    "PL-ORA-08",
                    WARNING,
                    path,
                    bounds,
                    f"{name}: a fall to a tenth or a rise to ten times the expected price takes every "
                    "honest report out of bounds, so the feed halts (and liquidations with it) exactly when "
                    "they are needed (LUNA, May 2022)",
                )
            )
    return out


def _risk(i: int, market) -> list[Finding]:
    r = market.risk
    base = f"markets.{i}.risk"
    out: list[Finding] = []
    if r.liquidation_bonus == 0:
        out.append(
            Finding(
                "PL-ENG-01",
                WARNING,
                f"{base}.liquidation_bonus",
                "0",
                f"{market.name}: no one is paid to liquidate, not even the gas: accounts below maintenance "
                "stay open until they are insolvent, and the fund (then the market's other side) pays",
            )
        )
    if r.dust_size == 0:
        out.append(
            Finding(
                "PL-ENG-02",
                WARNING,
                f"{base}.dust_size",
                "0",
                f"{market.name}: positions of any size stay open, down to ones whose liquidation bonus is "
                "worth less than its gas; nobody liquidates them, and their bad debt falls on the fund",
            )
        )
    return out


def crash_bound(params: SuiteParams) -> Decimal | None:
    """PL-FND-01's bad debt, in whole collateral tokens: every market's long open interest at its cap,
    every account at the maintenance margin, then one served step of the breaker's full size against it:
    sum of open_interest_cap * reference_price * max(0, max_deviation - base_mmr). None when a market has
    no reference_price."""
    total = Decimal(0)
    for market in params.markets:
        if market.reference_price is None:
            return None
        gap = max(Decimal(0), market.oracle.max_deviation - market.risk.base_mmr)
        total += market.risk.open_interest_cap * market.reference_price * gap
    return total


def _fund(params: SuiteParams) -> tuple[list[Finding], list[Skipped]]:
    f, g = params.fund, params.guardian
    out: list[Finding] = []
    skipped: list[Skipped] = []
    bound = crash_bound(params)
    if bound is None:
        missing = [f"markets.{i}" for i, m in enumerate(params.markets) if m.reference_price is None]
        skipped.append(
            Skipped(
                "PL-FND-01",
                f"no reference_price in {', '.join(missing)}: the fund's cap cannot be sized against open "
                "interest without a price",
            )
        )
    elif f.max_outflow < bound:
        out.append(
            Finding(
                "PL-FND-01",
                WARNING,
                "fund.max_outflow",
                f"{f.max_outflow:,f} tokens per {span(f.outflow_window)}; crash bound {bound:,f}",
                "full open interest at the maintenance margin, gapped by one served step of the breaker "
                f"(max_deviation), leaves {bound:,f} of bad debt; the fund pays at most {f.max_outflow:,f} "
                "per window, and the rest is owed by the market's other side (ENG-07) until it pays later",
            )
        )
    if f.redeem_window <= g.max_pause_duration:
        out.append(
            Finding(
                "PL-FND-02",
                WARNING,
                "fund.redeem_window",
                f"{span(f.redeem_window)}; max_pause_duration {span(g.max_pause_duration)}",
                "one REDEEM pause (shift_pause_threshold signers) can cover a matured request's whole "
                "window: the request lapses, the staker starts a new cooldown and bears the losses of that "
                "time instead of the stakers who stay",
            )
        )
    return out, skipped


class LintGateRefused(click.UsageError):
    """`bulwark deploy` refuses the file: one line naming the count and the first finding."""


def deploy_gate(params: SuiteParams, path: Path | str, *, live: bool, accept_warnings: bool) -> str | None:
    """What `bulwark deploy` does with the file's lints: on a live network, refuse any error and, unless
    `accept_warnings`, any warning (LintGateRefused, one line pointing to `bulwark params check`); on a
    local network never refuse. Returns the line to print when there are findings, else None."""
    report = check(params)
    if not report.findings:
        return None
    first = report.findings[0]
    hint = f"see `bulwark params check {path}`"
    if live and report.errors:
        raise LintGateRefused(
            f"{path}: {_count(len(report.errors), 'lint error')} (first: {report.errors[0].id} "
            f"{report.errors[0].path} = {report.errors[0].value}); a live deployment refuses errors, {hint}"
        )
    if live and not accept_warnings:
        raise LintGateRefused(
            f"{path}: {_count(len(report.warnings), 'lint warning')} (first: {first.id} {first.path} = "
            f"{first.value}); pass --accept-warnings to deploy anyway, {hint}"
        )
    where = "accepted with --accept-warnings" if live else "local network: deploying anyway"
    return f"{path}: {report.summary()} ({where}; {hint})"
