"""The system machine's market rules: traders, liquidators, the keeper, stakers, reporters and the
environment (the price path, time). Each rule checks on the spot what only its own attempt shows:

- ENG-03, ENG-04: a liquidation goes through only below maintenance and never lowers the margin ratio;
- ENG-06: no fill, liquidation or withdrawal goes through on a stale, tripped or paused price;
- FND-03: no redemption before its cooldown ends, none paying more than the request-time value;
- ORA-01, ORA-02, ORA-07, ORA-08, SYS-05: what a poke serves or holds lies within its reports (within the
  honest ones while at most faultTolerance are hostile), no report outside the age window counts, a
  tripped breaker serves a new level only after confirmDelay, a suspended reporter never counts.
"""

from __future__ import annotations

import contextlib

from hypothesis import strategies as st
from hypothesis.stateful import rule

from bulwark.chain import Reverted
from bulwark.invariants import (
    ENG_03,
    ENG_04,
    ENG_06,
    FND_03,
    ORA_01,
    ORA_02,
    ORA_07,
    ORA_08,
    SYS_05,
)
from bulwark.model.engine import keeps_margin_ratio
from bulwark.model.oracle import OracleConfig, within
from bulwark.signing.reports import sign_batch
from bulwark.units import WAD

from .world import ATTACKERS, BYSTANDER, GAPS, KEEPER, LIQUIDATORS, OPERATOR, PATH_RANGE, STAKERS, TRADERS

# what a poke's events say it served or now holds behind the breaker: event -> the price's argument
SERVED = {"PriceUpdated": "price", "BreakerTripped": "candidate", "BreakerCandidateUpdated": "candidate"}
fractions = st.sampled_from([WAD // 100, WAD // 10, WAD // 3, WAD // 2, 9 * WAD // 10, WAD, 11 * WAD // 10])


class MarketRules:
    """Rules of the actors who trade, liquidate, keep, stake and report (mixed into SystemMachine)."""

    # ------------------------------------------------------------------ prices

    def _live(self, m: int) -> bool:
        """Whether market `m`'s oracle serves a price now (read() neither stale, tripped nor paused)."""
        try:
            self.oracles[m].read()
        except Reverted:
            return False
        return True

    def _live_keys(self, m: int) -> list[bytes]:
        """Market `m`'s reporter keys whose reporters are not suspended now."""
        now, oracle = self.chain.timestamp, self.oracles[m].address
        keys = self.plan.markets[m].reporter_keys
        return [
            k
            for k, a in zip(keys, self.reporters[m], strict=True)
            if self.suspended.get((oracle, a), 0) <= now
        ]

    def _send_poke(self, m: int, keys: list[bytes], prices: list[int], at: int, *, sender=None):
        """A poke of market `m` with reports of `prices` by `keys` observed at `at`, checked against ORA-01,
        ORA-02, ORA-07 and ORA-08: (the receipt, [(event, price)] of what it served or now holds)."""
        oracle, market = self.oracles[m], self.plan.markets[m]
        now = self.chain.timestamp
        price, updated_at, _ = oracle.latest()
        tripped, _, candidate_at, _, level, level_since = oracle.breaker()
        c = OracleConfig(*oracle.config())
        epoch = oracle.nextEpoch()
        batch = sign_batch(keys, self.chain.chain_id, oracle.address, market.feed_id, epoch, prices, at)
        r = self._note(oracle.poke.attempt(epoch, batch, sender=sender or self.acc[OPERATOR]))
        if at < max(now - c.maxReportAge, candidate_at if tripped else updated_at):
            assert not r.status, f"{ORA_02}: a report observed at {at} counted at {now}"
        live = set(self._live_keys(m))
        if any(k not in live for k in keys):
            assert not r.status, f"{ORA_08}: a suspended reporter's report counted"
        if not r.status:
            return r, []
        self.last_poke[m] = (epoch, batch)
        served = [(e.name, e.args[SERVED[e.name]]) for e in r.events if e.name in SERVED]
        for name, value in served:
            assert min(prices) <= value <= max(prices), f"{ORA_01}: {name} {value} outside {prices}"
        for e in r.events:
            if e.name == "BreakerCleared":  # by the poke itself: the move reverted or the level held
                cleared = e.args["price"]
                assert within(cleared, price, c.maxDeviation) or (
                    within(cleared, level, c.maxDeviation) and now >= level_since + c.confirmDelay
                ), f"{ORA_07}: served {cleared} {now - level_since}s after level {level} was set"
        return r, served

    def _poke(self, m: int, honest: int, hostile: int, noise: list[int], far: int, lag: int):
        """One poke of market `m` by its unsuspended reporters: `hostile` (at most faultTolerance) report
        `far` (tenths of the path price, or the config's bounds), `honest` ones the path price with `noise`
        (basis points); the rest are silent."""
        c = self.plan.markets[m].config
        keys = self._live_keys(m)
        hostile = min(hostile, c.faultTolerance, len(keys))
        honest = min(honest, len(keys) - hostile)
        honest_prices = [self.path[m] * (10_000 + noise[j % len(noise)]) // 10_000 for j in range(honest)]
        bad = {0: c.minPrice, 1: c.maxPrice}.get(far, self.path[m] * far // 10)
        used = keys[:honest] + (keys[len(keys) - hostile :] if hostile else [])
        if not used:
            return None
        r, served = self._send_poke(
            m, used, honest_prices + [bad] * hostile, max(self.chain.timestamp - lag, 0)
        )
        if honest:
            low, high = min(honest_prices), max(honest_prices)
            for name, value in served:
                assert low <= value <= high, (
                    f"{SYS_05}: {name} {value} outside the honest reports [{low}, {high}] "
                    f"({hostile} hostile at {bad})"
                )
        return r

    def _refresh(self):
        """Every unsuspended reporter reports every market's path price (one second later)."""
        self.chain.sleep(1)
        for m in self.markets:
            self._poke(m, len(self.plan.markets[m].reporter_keys), 0, [0], 10, 0)

    # ------------------------------------------------------------------ traders

    def _fill(self, fill: tuple):
        """A fill through the operator; on a market without a live price it must fail (ENG-06)."""
        live = self._live(fill[2])
        r = self._note(self.engine.fill.attempt(fill, sender=self.acc[OPERATOR]))
        if not live:
            assert not r.status, f"{ENG_06}: a fill in market {fill[2]} went through without a live price"
        return r

    @rule(
        maker=st.sampled_from(TRADERS),
        taker=st.sampled_from(TRADERS),
        m=st.integers(0, 1),
        long=st.booleans(),
        fraction=st.sampled_from([WAD // 10, WAD // 2, 3 * WAD // 4, 9 * WAD // 10, WAD, 11 * WAD // 10]),
        offset=st.sampled_from([0, 0, 100, -100, 499, -499, 501, -501]),
    )
    def trade(self, maker, taker, m, long, fraction, offset):
        """A fill through the operator at the index price moved by `offset` basis points, for a share of
        what the poorer side's cash carries at 8x (about 80% of its IM at a fraction of one)."""
        if maker == taker or m not in self.markets:
            return
        index = self._index(m)
        cash = max(min(self.engine.cash(self.acc[taker]), self.engine.cash(self.acc[maker])), 0)
        size = cash * 8 * fraction // index or WAD // 100
        price = index * (10_000 + offset) // 10_000
        self._fill((self.acc[maker], self.acc[taker], m, size if long else -size, price))

    @rule(maker=st.sampled_from((*TRADERS, KEEPER)), taker=st.sampled_from(TRADERS), m=st.integers(0, 1))
    def close(self, maker, taker, m):
        """The taker closes its whole position at the index price."""
        if maker == taker or m not in self.markets:
            return
        size = self._size(taker, m)
        if size:
            self._fill((self.acc[maker], self.acc[taker], m, -size, self._index(m)))

    @rule(who=st.sampled_from((*TRADERS, BYSTANDER)), tokens=st.sampled_from([1, 100, 5_000]))
    def deposit(self, who, tokens):
        a = self.acc[who]
        if self.token.balanceOf(a) >= tokens * self.unit:
            self._note(self.engine.deposit.attempt(tokens * self.unit, sender=a))

    @rule(who=st.sampled_from((*TRADERS, BYSTANDER)), fraction=fractions)
    def withdraw(self, who, fraction):
        """A withdrawal of a share of the cash; with a position in a market without a live price it must
        fail (ENG-06)."""
        a = self.acc[who]
        amount = max(self.engine.cash(a), 0) * fraction // WAD // self.scale
        if amount:
            halted = [m for m in self.markets if self._size(who, m) and not self._live(m)]
            r = self._note(self.engine.withdraw.attempt(amount, a, sender=a))
            if halted:
                assert not r.status, f"{ENG_06}: {who} withdrew while markets {halted} had no live price"

    # ------------------------------------------------------------------ liquidators

    @rule(
        liquidator=st.sampled_from(LIQUIDATORS),
        pick=st.integers(0, 15),
        fraction=st.sampled_from([WAD, WAD // 2, WAD // 4, WAD // 10, WAD // 25, 2 * WAD]),
    )
    def liquidate(self, liquidator, pick, fraction):
        """Take over (a share of, or beyond) what the engine lets a liquidator take of one of the accounts
        below maintenance (or, when there is none, of any position: that must fail)."""
        held = [
            (i, m) for i in TRADERS + ATTACKERS for m in self.markets if i != liquidator and self._size(i, m)
        ]
        if not held:
            return
        due = []
        for i, m in held:
            with contextlib.suppress(Reverted):
                if self.engine.maxLiquidation(self.acc[i], m):
                    due.append((i, m))
        who, m = (due or held)[pick % len(due or held)]
        try:
            most = self.engine.maxLiquidation(self.acc[who], m)
        except Reverted:
            most = 0
        amount = most * fraction // WAD or abs(self._size(who, m))
        before, live = self._state(who), self._live(m)
        r = self._note(self.engine.liquidate.attempt(self.acc[who], m, amount, sender=self.acc[liquidator]))
        if not due:
            assert not r.status, f"{ENG_03}: liquidated {who}, which was not below maintenance"
        if not live:
            assert not r.status, f"{ENG_06}: a liquidation in market {m} went through without a live price"
        if r.status:
            if who in ATTACKERS:
                self.exposed = True
            after = self._state(who)
            kept = keeps_margin_ratio(
                before.equity, before.maintenanceMargin, after.equity, after.maintenanceMargin
            )
            assert kept, (
                f"{ENG_04}: liquidating {who} moved (equity, MM) from "
                f"{(before.equity, before.maintenanceMargin)} to {(after.equity, after.maintenanceMargin)}"
            )

    # ------------------------------------------------------------------ keeper

    @rule(m=st.integers(0, 1))
    def cover_loss(self, m):
        """The keeper asks the fund to cover a market's open shared loss."""
        if m in self.markets and self.engine.unsettledLoss(m) > 0:
            self._note(self.engine.coverLoss.attempt(m, sender=self.acc[KEEPER]))

    @rule()
    def sweep_fees(self):
        """The keeper sweeps the engine's fees to the fund (netting what positions owe first)."""
        if self.engine.fees():
            self._note(self.engine.sweepFees.attempt(sender=self.acc[KEEPER]))

    # ------------------------------------------------------------------ stakers

    @rule(who=st.sampled_from(STAKERS), tokens=st.sampled_from([1, 1_000, 20_000]))
    def stake(self, who, tokens):
        a = self.acc[who]
        self._note(self.fund.deposit.attempt(tokens * self.unit, a, sender=a))

    @rule(who=st.sampled_from(STAKERS), fraction=fractions)
    def request_redeem(self, who, fraction):
        a = self.acc[who]
        shares = self.fund.balanceOf(a) * min(fraction, WAD) // WAD
        if shares:
            self._note(self.fund.requestRedeem.attempt(shares, sender=a))

    @rule(who=st.sampled_from(STAKERS))
    def cancel_redeem(self, who):
        self._note(self.fund.cancelRedeem.attempt(sender=self.acc[who]))

    @rule(who=st.sampled_from(STAKERS), wait=st.booleans())
    def redeem(self, who, wait):
        """Redeem the pending request (after waiting for its cooldown, or now: before it, it must fail;
        it never pays more than the request-time value, FND-03)."""
        a = self.acc[who]
        request = self.fund.redeemRequest(a)
        if request.shares:
            if wait and request.claimableAt > self.chain.timestamp:
                self.chain.warp(request.claimableAt)
            early = self.chain.timestamp < request.claimableAt
            r = self._note(self.fund.redeem.attempt(request.shares, a, a, sender=a))
            if early:
                assert not r.status, f"{FND_03}: redeemed {request.claimableAt - self.chain.timestamp}s early"
            if r.status:
                claimed = r.event("RedeemClaimed")
                assert claimed["paid"] <= claimed["requestedAssets"], (
                    f"{FND_03}: paid {claimed['paid']} > {claimed['requestedAssets']} at request"
                )

    # ------------------------------------------------------------------ reporters and the environment

    @rule(
        m=st.integers(0, 1),
        honest=st.integers(3, 7),
        hostile=st.integers(0, 2),
        noise=st.lists(st.integers(-20, 20), min_size=1, max_size=7),
        far=st.sampled_from([0, 1, 5, 20]),
        lag=st.sampled_from([0, 0, 5, 120, 301]),
    )
    def poke(self, m, honest, hostile, noise, far, lag):
        """Reporters report: some silent, some late, up to faultTolerance hostile, the rest honest."""
        if m in self.markets:
            self._poke(m, honest, hostile, noise, far, lag)

    @rule(
        m=st.integers(0, 1),
        move=st.sampled_from([-800, -300, -100, 100, 300, 800, -800, 800, -1_500, 1_500, -3_000, 3_000]),
    )
    def move_price(self, m, move):
        """The price path moves by `move` basis points (beyond maxDeviation: a gap), within its range, and
        every reporter reports it at once (with a second's noise for the next poke's epoch)."""
        if m in self.markets:
            low, high = (self.starts[m] * k // 10 for k in PATH_RANGE)
            self.path[m] = min(max(self.path[m] * (10_000 + move) // 10_000, low), high)
            self.chain.sleep(1)
            self._poke(m, len(self.plan.markets[m].reporter_keys), 0, [0, 5, -5], 10, 0)

    @rule(
        who=st.sampled_from(TRADERS),
        m=st.integers(0, 1),
        beyond=st.sampled_from([10, 100, 1_000]),
        then=st.one_of(
            st.none(), st.tuples(st.sampled_from(LIQUIDATORS), st.sampled_from([WAD, WAD // 4, WAD // 25]))
        ),
    )
    def move_to_liquidation(self, who, m, beyond, then):
        """The path moves `beyond` basis points past a trader's liquidation price (within its range), every
        reporter reports it, and (`then`) a liquidator acts at once."""
        if m not in self.markets or not self._size(who, m):
            return
        try:
            price = self.engine.liquidationPrice(self.acc[who], m)
        except Reverted:  # a stale price: the reporters report the path first
            self._refresh()
            try:
                price = self.engine.liquidationPrice(self.acc[who], m)
            except Reverted:
                return
        if price:
            sign = -1 if self._size(who, m) > 0 else 1
            low, high = (self.starts[m] * k // 10 for k in PATH_RANGE)
            goal = min(max(price * (10_000 + sign * beyond) // 10_000, low), high)
            # in steps inside maxDeviation, so the breaker lets each through
            step = self.plan.markets[m].config.maxDeviation * 9 // 10
            for _ in range(10):
                served = self._index(m)
                self.path[m] = min(max(goal, served - served * step // WAD), served + served * step // WAD)
                self.chain.sleep(1)
                r = self._poke(m, len(self.plan.markets[m].reporter_keys), 0, [0], 10, 0)
                if self.path[m] == goal or r is None or not r.status:
                    break
            if then is not None:
                self.liquidate(then[0], 0, then[1])

    @rule(seconds=st.sampled_from(GAPS))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)
