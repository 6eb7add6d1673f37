"""What a run saw, from its receipts' events and one read of the chain per step, turned into the
`RunResult` figures (bulwark.sim.result.METRICS) and the scenario's expectations.

Every figure comes from the deployed contracts: events for what happened (Liquidated, BadDebt,
LossShared, Covered, BreakerTripped, PriceUpdated, Paused, RedeemClaimed) and views for the state
(latest(), totalAssets(), accountState(), lossOwed()).
"""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING

from bulwark.abi.scopes import EngineScope
from bulwark.sim.result import Account, Deficit, Expectation, Interval, RunResult
from bulwark.sim.scenario import SOURCE_FAIR
from bulwark.units import WAD

if TYPE_CHECKING:
    from bulwark.sim.runner import Run


class Recorder:
    def __init__(self, run: Run):
        self.run = run
        self.by_oracle = {o.address: name for name, o in run.oracles.items()}
        self.names = {i: m.name for i, m in enumerate(run.suite.plan.markets)}
        self.out = RunResult("", "", "", run.seed, run.world.backend, "")
        self.series = self.out.series
        for name in run.markets:
            for key in ("fair", "served", "status", "open_interest"):
                getattr(self.series, key)[name] = []
        self.latest: dict[str, float] = {}  # the latest accepted price (whatever its status)
        self.status: dict[str, str] = {}
        self.updated: dict[str, int] = {}
        self.last_update: dict[str, float] = {}
        self.positions: dict[str, set[str]] = {}  # account -> markets it ever held
        self.flows = {"deposited": {}, "withdrawn": {}}
        self.liquidated: dict[str, int] = {}
        self.debt: dict[str, int] = {}
        self.totals = dict.fromkeys(
            ("bad_debt", "covered", "deficit", "outflow", "isolated_outflow", "volume", "redeemed"), 0
        )
        self.counts = dict.fromkeys(
            ("liquidations", "pushes", "pushes_failed", "bad_prints_served", "refused", "dropped"), 0
        )
        self.failed_pushes: dict[str, int] = {}
        self.step_liquidations = [0, 0]  # count, WAD volume
        self.max_gap = 0.0
        self.max_move = 0.0
        self.peak_share = 0.0
        self.max_drawdown = 0.0
        self.worst_median = math.inf
        self.open: dict[tuple[str, str], int] = {}  # (kind, market) -> start of a stale/halted interval
        self.offset = 10 ** run.fund.DECIMALS_OFFSET()
        self.fund_address = run.fund.address
        self.fund_dirty = True
        self.fund_state = (0, 0)
        self.dirty: set[str] = set()  # accounts an event touched since their last read
        self.last_prices: tuple = ()
        self.interest: dict[str, float] = {}

    # ------------------------------------------------------------------ from the runner

    def receipt(self, receipt) -> None:
        for event in receipt.events:
            if event.address == self.fund_address:
                self.fund_dirty = True
            for key in ("account", "maker", "taker", "liquidator"):
                if key in event.args and isinstance(event.args[key], str):
                    self.dirty.add(event.args[key])
            handler = getattr(self, f"_on_{event.name}", None)
            if handler is not None:
                handler(event)

    def books_to_read(self, prices: tuple) -> list[str]:
        """The holders whose accountState may have changed since the last read: all of them when any
        oracle's (price, updatedAt, status) moved (margin follows prices and volatility), else those
        an event touched."""
        holders = self.holders()
        if prices != self.last_prices:
            self.last_prices = prices
            self.dirty.clear()
            return holders
        touched = [a for a in holders if a in self.dirty]
        self.dirty.clear()
        return touched

    def deposited(self, account: str, amount: int) -> None:
        self.flows["deposited"][account] = self.flows["deposited"].get(account, 0) + amount

    def withdrew(self, account: str, amount: int) -> None:
        self.flows["withdrawn"][account] = self.flows["withdrawn"].get(account, 0) + amount

    def refused(self, trader: str, receipt) -> None:
        self.counts["refused"] += 1

    def pushed(self, name: str, receipt) -> None:
        self.counts["pushes"] += 1

    def push_failed(self, name: str, why: str) -> None:
        self.counts["pushes_failed"] += 1
        self.failed_pushes[why] = self.failed_pushes.get(why, 0) + 1

    def liquidation_dropped(self) -> None:
        self.counts["dropped"] += 1

    def redeemed(self, receipt) -> None:
        self.totals["redeemed"] += receipt.event("RedeemClaimed")["paid"]

    def bad_debt_seen(self) -> bool:
        return self.totals["bad_debt"] > 0

    def drawdown(self) -> float:
        return self.max_drawdown

    def holders(self) -> list[str]:
        return [a for a, markets in self.positions.items() if markets]

    def markets_of(self, account: str) -> list[str]:
        return sorted(self.positions.get(account, ()))

    def oracle(self, name: str, price: int, updated: int, status: str) -> None:
        if price:
            self.latest[name] = price / WAD
        self.status[name] = status
        self.updated[name] = updated

    # ------------------------------------------------------------------ events

    def _market(self, event) -> str:
        return self.names[event.args["market"]]

    def _on_Filled(self, event) -> None:
        name = self._market(event)
        self.interest.pop(name, None)
        for who in (event.args["maker"], event.args["taker"]):
            self.positions.setdefault(who, set()).add(name)

    def _on_Liquidated(self, event) -> None:
        a = event.args
        self.counts["liquidations"] += 1
        self.interest.pop(self._market(event), None)
        self.liquidated[a["account"]] = self.liquidated.get(a["account"], 0) + 1
        self.positions.setdefault(a["liquidator"], set()).add(self._market(event))
        volume = abs(a["size"]) * a["price"] // WAD
        self.totals["volume"] += volume
        self.step_liquidations[0] += 1
        self.step_liquidations[1] += volume

    def _on_BadDebt(self, event) -> None:
        a = event.args
        self.totals["bad_debt"] += a["debt"]
        self.totals["covered"] += a["covered"]
        self.debt[a["account"]] = self.debt.get(a["account"], 0) + a["debt"]

    def _on_LossShared(self, event) -> None:
        a = event.args
        self.dirty.update(self.holders())  # what each of the side owes changed
        self.totals["deficit"] += a["amount"]
        side = "longs" if a["longs"] else "shorts"
        self.out.deficits.append(Deficit(self.run.t, self._market(event), side, a["amount"] / WAD))

    def _on_Covered(self, event) -> None:
        shared = event.address == self.fund_address
        self.totals["outflow" if shared else "isolated_outflow"] += event.args["paid"]

    def _on_BreakerTripped(self, event) -> None:
        a = event.args
        self.out.breaker_trips.append(
            {
                "t": self.run.t,
                "market": self.by_oracle.get(event.address, event.address),
                "served": a["servedPrice"] / WAD,
                "candidate": a["candidate"] / WAD,
            }
        )

    def _on_Paused(self, event) -> None:
        a = event.args
        engine = a["target"] == self.run.engine.address
        scopes = [s.name for s in EngineScope if s & a["scopes"]] if engine else [hex(a["scopes"])]
        self.out.pauses.append(
            {
                "t": self.run.t,
                "target": "MarginEngine" if engine else a["target"],
                "scopes": scopes,
                "until": a["until"] - self.run.start,
            }
        )

    def _on_PriceUpdated(self, event) -> None:
        self._served(self.by_oracle.get(event.address), event.args["price"] / WAD)

    def _on_BreakerCleared(self, event) -> None:
        self._served(self.by_oracle.get(event.address), event.args["price"] / WAD)

    def _served(self, name: str | None, price: float) -> None:
        if name is None:
            return
        previous = self.last_update.get(name)
        if previous:
            self.max_move = max(self.max_move, abs(price / previous - 1))
        self.last_update[name] = price
        self.latest[name] = price
        true = self.run.paths.price(name, SOURCE_FAIR, self.run.t)
        gap = abs(price / true - 1)
        bad = self.run.reporters[name].bad_print_gaps(self.run.t, true, self.run.scenario.step)
        if any(gap >= g / 2 for g in bad if g > 0):
            self.counts["bad_prints_served"] += 1

    # ------------------------------------------------------------------ per step

    def _ratios(self) -> list[float]:
        ratios = []
        for book in self.run.books.values():
            if book is not None and book.maintenance:
                ratios.append(book.equity / book.maintenance)
        return ratios

    def opened(self) -> None:
        self.run.read()
        self.out.margin_ratios["start"] = self._ratios()
        self.fund_start = self.run.fund.totalAssets()

    def step(self) -> None:
        run, s, t = self.run, self.series, self.run.t
        s.t.append(t)
        for name in run.markets:
            true = run.paths.price(name, SOURCE_FAIR, t)
            status = self.status[name]
            served = self.latest.get(name) if status == "Ok" else None
            s.fair[name].append(true)
            s.served[name].append(served)
            s.status[name].append(status)
            if name not in self.interest:
                self.interest[name] = run.engine.market(run.ids[name])[3] / WAD
            s.open_interest[name].append(self.interest[name])
            if served is not None:
                self.max_gap = max(self.max_gap, abs(served / true - 1))
            self._interval("stale", name, status == "Stale", self.out.stale)
            self._interval("halted", name, status != "Ok", self.out.halted)
        if self.fund_dirty:
            self.fund_state, self.fund_dirty = (run.fund.totalAssets(), run.fund.totalSupply()), False
        assets, supply = self.fund_state
        s.fund_assets.append(assets / run.unit)
        share = assets * self.offset / supply if supply else 0.0
        s.share_price.append(share)
        self.peak_share = max(self.peak_share, share)
        if self.peak_share:
            self.max_drawdown = max(self.max_drawdown, 1 - share / self.peak_share)
        s.liquidations.append(self.step_liquidations[0])
        s.liquidation_volume.append(self.step_liquidations[1] / WAD)
        self.step_liquidations = [0, 0]
        ratios = self._ratios()
        if ratios and statistics.median(ratios) < self.worst_median:
            self.worst_median = statistics.median(ratios)
            self.out.margin_ratios["worst"] = ratios
        self.out.margin_ratios["end"] = ratios

    def _interval(self, kind: str, name: str, on: bool, into: list[Interval]) -> None:
        key = (kind, name)
        if on and key not in self.open:
            self.open[key] = self.run.t
        elif not on and key in self.open:
            into.append(Interval(name, self.open.pop(key), self.run.t))

    # ------------------------------------------------------------------ the result

    def _accounts(self) -> list[Account]:
        run, roles = self.run, self.run.roles
        named = [("maker", "maker", roles.maker), ("bystander", "bystander", roles.bystander)]
        if run.hostile_spec() is not None:
            named.append(("attacker", "attacker", roles.attacker))
        named += [(f"keeper-{i}", "keeper", a) for i, a in enumerate(roles.keepers)]
        named += [(f"trader-{i}", "trader", a) for i, a in enumerate(roles.traders)]
        named += run.desks()
        accounts = []
        for name, role, address in named:
            book = run.book(address)
            deposited = self.flows["deposited"].get(address, 0) / run.unit
            withdrawn = self.flows["withdrawn"].get(address, 0) / run.unit
            equity = None if book is None else book.equity / WAD
            owed = sum(run.engine.lossOwed(address, run.ids[m]) for m in run.markets)
            accounts.append(
                Account(
                    name=name,
                    role=role,
                    address=address,
                    markets=self.markets_of(address),
                    deposited=deposited,
                    withdrawn=withdrawn,
                    end_equity=equity,
                    pnl=None if equity is None else withdrawn + equity - deposited,
                    liquidated=self.liquidated.get(address, 0),
                    bad_debt=self.debt.get(address, 0) / WAD,
                    loss_owed=owed / WAD,
                )
            )
        return accounts

    def result(self, elapsed: float) -> RunResult:
        run, r = self.run, self.out
        end = run.scenario.duration
        for (kind, name), start in sorted(self.open.items()):
            (r.stale if kind == "stale" else r.halted).append(Interval(name, start, end))
        r.accounts = self._accounts()
        by_name = {a.name: a for a in r.accounts}
        attacker = by_name.get("attacker")
        bystander = by_name["bystander"]
        wad = {k: v / WAD for k, v in self.totals.items()}
        r.metrics = {
            "liquidations": self.counts["liquidations"],
            "liquidation_volume": wad["volume"],
            "bad_debt": wad["bad_debt"],
            "covered": wad["covered"],
            "deficit": wad["deficit"],
            "fund_start": self.fund_start / run.unit,
            "fund_end": run.fund.totalAssets() / run.unit,
            "fund_min": min(self.series.fund_assets, default=self.fund_start / run.unit),
            "fund_drawdown": self.max_drawdown,
            "fund_outflow": self.totals["outflow"] / run.unit,
            "isolated_fund_outflow": self.totals["isolated_outflow"] / run.unit,
            "breaker_trips": len(r.breaker_trips),
            "halted_time": sum(i.end - i.start for i in r.halted),
            "stale_time": sum(i.end - i.start for i in r.stale),
            "pauses": len(r.pauses),
            "max_served_gap": self.max_gap,
            "max_step_move": self.max_move,
            "bad_prints_served": self.counts["bad_prints_served"],
            "pushes": self.counts["pushes"],
            "pushes_failed": self.counts["pushes_failed"],
            "attacker_profit": attacker.pnl if attacker is not None else 0.0,
            "bystander_loss": bystander.deposited - bystander.withdrawn - (bystander.end_equity or 0.0),
            "staker_redeemed": self.totals["redeemed"] / run.unit,
            "traders_refused": self.counts["refused"],
        }
        r.expectations = self._expectations()
        r.elapsed = elapsed
        return r

    def _expectations(self) -> list[Expectation]:
        expect, m = self.run.scenario.expect, self.out.metrics
        found = []
        if expect.bad_prints_served is not None:
            served = m["bad_prints_served"] > 0
            found.append(
                Expectation(
                    "bad_prints_served",
                    served == expect.bad_prints_served,
                    f"{m['bad_prints_served']} updates served a bad print",
                )
            )
        for name, metric in (("max_served_gap", "max_served_gap"), ("max_step_move", "max_step_move")):
            bound = getattr(expect, name)
            if bound is not None:
                found.append(
                    Expectation(name, m[metric] <= bound, f"{metric} {m[metric]:.4%} (bound {bound:.4%})")
                )
        if expect.max_deficit is not None:
            found.append(
                Expectation(
                    "max_deficit",
                    m["deficit"] <= expect.max_deficit,
                    f"deficit {m['deficit']:,.2f} (bound {expect.max_deficit:,.2f})",
                )
            )
        if expect.bystanders_pay is not None:
            pays = m["bystander_loss"] > 0
            found.append(
                Expectation(
                    "bystanders_pay", pays == expect.bystanders_pay, f"bystander loss {m['bystander_loss']}"
                )
            )
        if expect.bad_debt_booked is not None:
            t = self.totals
            booked = t["bad_debt"] > 0
            whole = t["bad_debt"] == t["covered"] + t["deficit"]
            found.append(
                Expectation(
                    "bad_debt_booked",
                    booked == expect.bad_debt_booked and whole,
                    f"bad debt {m['bad_debt']:,.2f} = covered {m['covered']:,.2f} + shared "
                    f"{m['deficit']:,.2f}" + ("" if whole else " (does NOT add up)"),
                )
            )
        return found
