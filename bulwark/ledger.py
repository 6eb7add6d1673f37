"""The suite's accounting invariants, checked on live contracts, and a tally of what was checked.

    tally = Tally()
    tally.record(eng_01(engine, token, accounts))

ENG-01 needs every account that has ever touched the engine: the caller knows them (the demo's actors),
since the engine keeps no list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bulwark.invariants import BY_ID
from bulwark.units import WAD


@dataclass(frozen=True)
class Outcome:
    id: str  # invariant ID, e.g. "ENG-01"
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.id} {'ok' if self.ok else 'BROKEN'} ({self.detail})"


def all_fees(engine) -> int:
    """The shared fee pool plus every isolated market's own accrued fees, in WAD."""
    return engine.fees() + sum(engine.market(m).fees for m in range(engine.marketCount()))


def engine_claims(engine, accounts) -> int:
    """ENG-01's right side: sum(cash) + fees + isolated markets' fees - sum(unsettled shared losses), in
    WAD."""
    unsettled = sum(engine.unsettledLoss(m) for m in range(engine.marketCount()))
    return sum(engine.cash(a) for a in accounts) + all_fees(engine) - unsettled


def settled_claims(engine, accounts) -> int:
    """ENG-08's right side: sum(cash - loss owed) + fees + isolated markets' fees, in WAD."""
    markets = range(engine.marketCount())
    owed = sum(engine.lossOwed(a, m) for a in accounts for m in markets)
    return sum(engine.cash(a) for a in accounts) + all_fees(engine) - owed


def eng_01(engine, token, accounts) -> Outcome:
    """token balance * SCALE == sum(cash) + fees - sum(unsettled shared losses), exactly (ENG-01)."""
    claims = engine_claims(engine, accounts)
    held = token.balanceOf(engine) * engine.SCALE()
    detail = (
        f"balance = cash + fees - unsettled losses = {held / WAD:,.2f}"
        if held == claims
        else f"{held} != {claims}"
    )
    return Outcome("ENG-01", held == claims, detail)


def eng_08(engine, token, accounts) -> Outcome:
    """token balance * SCALE >= sum(cash - loss owed) + fees: every claim is paid in any order (ENG-08)."""
    claims = settled_claims(engine, accounts)
    held = token.balanceOf(engine) * engine.SCALE()
    return Outcome("ENG-08", held >= claims, f"balance - settled claims = {held - claims} wei")


def eng_02(engine, accounts, names: list[str]) -> Outcome:
    """Per market, the sizes of all accounts sum to zero."""
    sums = {name: sum(engine.position(a, m)[0] for a in accounts) for m, name in enumerate(names)}
    detail = ", ".join(f"{name.split('/')[0]} {total}" for name, total in sums.items())
    return Outcome("ENG-02", all(total == 0 for total in sums.values()), detail)


def fnd_01(fund, token) -> Outcome:
    """totalAssets() == the fund's token balance."""
    assets, balance = fund.totalAssets(), token.balanceOf(fund)
    shown = f"{assets / 10 ** token.decimals():,.2f}"
    detail = f"totalAssets = balance = {shown}" if assets == balance else f"{assets} != {balance}"
    return Outcome("FND-01", assets == balance, detail)


@dataclass
class Tally:
    """How often each invariant was checked, and every failure."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[Outcome] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # the last detail per ID

    def record(self, outcome: Outcome) -> Outcome:
        if outcome.id not in BY_ID:
            raise KeyError(f"unknown invariant {outcome.id}")
        self.counts[outcome.id] = self.counts.get(outcome.id, 0) + 1
        self.notes[outcome.id] = outcome.detail
        if not outcome.ok:
            self.failures.append(outcome)
        return outcome

    def check(self, id_: str, ok: bool, detail: str) -> Outcome:
        return self.record(Outcome(id_, ok, detail))

    @property
    def ok(self) -> bool:
        return not self.failures
