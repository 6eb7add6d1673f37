"""A narrated walk over a deployed suite: steps at explicit block times, signed pokes, refusals shown
as dry runs, and after each step the accounts, the fund and the accounting invariants (bulwark.ledger).

`bulwark.scenario` tells the crash story on top of it.
"""

from __future__ import annotations

from rich.console import Console

from bulwark.dryrun import dry_run
from bulwark.ledger import Tally, eng_01, eng_02, eng_08, fnd_01
from bulwark.market import Clock, Venue
from bulwark.tables import accounts_table, dec, pct, wad
from bulwark.units import to_wad_nearest


class Walk:
    """`traders` are (label, account) pairs: every account that touches the engine (ENG-01 sums them);
    `staker` holds fund shares; `operator` relays fills and pokes."""

    def __init__(self, project, chain, suite, console: Console, traders, staker, operator):
        self.project, self.chain, self.suite, self.console = project, chain, suite, console
        self.traders, self.staker = list(traders), staker
        self.clock = Clock(chain)
        self.venue = Venue(project, suite, chain, operator, self.clock)
        self.tally = Tally()
        self.token, self.fund, self.engine = suite.collateral, suite.fund, suite.engine
        self.unit = 10**suite.plan.decimals
        self.names = [m.name for m in suite.plan.markets]

    def say(self, text: str) -> None:
        self.console.print(f"  {text}")

    def step(self, title: str, at: int | None = None) -> None:
        """A step's header, labelled with when it starts (the next block, unless `at` says)."""
        self.console.rule(f"[bold]{self.clock.label(at or self.clock.now + 1)}  {title}")

    def revert(self, label: str, method, *args, sender) -> str | None:
        """Dry-run a transaction that must be refused; print and return its error's name."""
        outcome = dry_run(self.project, method, *args, sender=sender)
        if outcome is None:
            self.say(f"[red]{label}: would go through[/]")
            return None
        self.say(f"{label}: refused with [yellow]{outcome}[/]")
        return outcome.error

    def accounts(self) -> list:
        return [a for _, a in self.traders]

    def books(self, title: str) -> None:
        """The accounts table, the fund, and ENG-01, ENG-02, ENG-08, FND-01."""
        self.console.print(accounts_table(self.venue, self.traders, self.names, title))
        f = self.fund
        staked = f.convertToAssets(f.balanceOf(self.staker))
        self.say(
            f"fund: {dec(f.totalAssets(), self.unit)} {self.symbol} held; staker's shares worth "
            f"{dec(staked, self.unit)}; engine fees owed to it {wad(self.engine.fees())}"
        )
        outcomes = [
            self.tally.record(eng_01(self.engine, self.token, self.accounts())),
            self.tally.record(eng_02(self.engine, self.accounts(), self.names)),
            self.tally.record(eng_08(self.engine, self.token, self.accounts())),
            self.tally.record(fnd_01(self.fund, self.token)),
        ]
        self.say("invariants: " + "; ".join(_mark(o.ok, str(o)) for o in outcomes))

    @property
    def symbol(self) -> str:
        return self.token.symbol()

    def poke(self, market: int, price: int) -> None:
        p = self.venue.poke(market, to_wad_nearest(price))
        spread = f"{wad(p.reports[0], 2)}..{wad(p.reports[-1], 2)}"
        oracle = self.suite.oracles[market]
        if p.served is not None:
            served_ok = p.reports[0] <= p.served <= p.reports[-1]
            self.tally.check("ORA-01", served_ok, f"{p.market} served {wad(p.served)} within {spread}")
            _, updated_at = oracle.read()
            fresh = self.clock.now - updated_at <= oracle.config().maxStaleness
            self.tally.check("ORA-04", fresh, f"{p.market} read() is {self.clock.now - updated_at}s old")
        what = {
            "PriceUpdated": f"served [bold]{wad(p.served or 0)}[/]",
            "BreakerCleared": f"[green]breaker cleared[/], served [bold]{wad(p.served or 0)}[/]",
            "BreakerTripped": "[red]breaker TRIPPED[/]: the median is held as a candidate, not served",
            "BreakerCandidateUpdated": "[red]breaker still tripped[/] (new candidate)",
        }[p.event]
        risk = ""
        if p.served is not None:
            vol = pct(oracle.annualisedVolatility(), 0)
            risk = f"; volatility {vol}/yr -> mmr {pct(self.engine.mmr(market), 1)}"
        self.say(f"{p.market}: {len(p.reports)} reporters signed {spread}, the operator poked: {what}{risk}")

    def margin_ok(self, who: str, account) -> None:
        """ENG-05 after a risk-increasing fill or a withdrawal: min(equity, collateral) >= IM."""
        s = self.venue.state(account)
        ok = s is not None and s.without_profit >= s.initial_margin
        detail = (
            f"{who}: equity w/o profit {wad(s.without_profit)} >= IM {wad(s.initial_margin)}" if s else who
        )
        self.tally.check("ENG-05", ok, detail)


def _mark(ok: bool, text: str) -> str:
    return f"[green]{text}[/]" if ok else f"[red]{text}[/]"
