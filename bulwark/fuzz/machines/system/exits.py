"""The end of each system example: the guided search's targets, then SYS-04 (and FND-05 for the
stakers) in a snapshot: pauses run out, prices are made live, every position closes, every account and
subaccount withdraws all it holds and every staker redeems all its shares; then the chain is put back.
The keeper is the other side of every close: in an isolated market through its desk (KEEPER_DESK, a
subaccount that holds nothing else), in the others through its own account.
"""

from __future__ import annotations

from hypothesis import target

from bulwark.invariants import FND_05, SYS_04
from bulwark.model.engine import subaccount
from bulwark.signing.approvals import clear_breaker_message
from bulwark.signing.reports import sign_batch

from .world import KEEPER, KEEPER_DESK, OK, OPERATOR, SIGNERS, STAKERS, TRIPPED


class Exits:
    """teardown and SYS-04 (mixed into SystemMachine)."""

    def teardown(self):
        ex = self.extremes
        if ex["min margin ratio"] is not None:
            target(-max(ex["min margin ratio"], -1e6), label="lowest trader margin ratio (negated)")
        target(ex["fund drawdown"], label="fund drawdown from its peak")
        target(ex["open loss"], label="open unsettled loss")
        if ex["attacker profit"] is not None:
            target(ex["attacker profit"], label="attacker profit")
        snapshot = self.chain.snapshot()
        try:
            self.everyone_exits()
        finally:
            self.chain.revert(snapshot)

    def _ok(self, receipt, what: str, invariant=SYS_04):
        assert receipt.status, f"{invariant}: {what} failed: {receipt.error}"
        return receipt

    def everyone_exits(self):
        """SYS-04: after pauses expire and prices are fresh, every position closes (insolvent ones by
        liquidation), every engine account withdraws what it has, every staker redeems all its shares."""
        chain, acc, engine, fund = self.chain, self.acc, self.engine, self.fund
        chain.sleep(self.plan.bounds.max_pause + 1)
        for m in self.markets:
            self._fresh_price(m)
        keeper = acc[KEEPER]
        desk = subaccount(keeper, KEEPER_DESK)
        counter = {m: desk if m in self.isolated else keeper for m in self.markets}  # who closes `m`
        self.token.mint.transact(keeper, 2 * 10**9 * self.unit, sender=keeper)
        for id_ in (0, KEEPER_DESK):
            r = engine.depositTo.attempt(id_, 10**9 * self.unit, sender=keeper)
            self._ok(r, f"the keeper's deposit into subaccount {id_}")
        others = [a for a in self.engine_accounts if a not in (keeper, desk)]
        # liquidations may share a loss, which turns a market reduce-only: liquidate, then lift, until
        # every account is healthy and every market open
        for _ in range(3):
            self._liquidate_the_unhealthy(others)
            lifts = [m for m in self.markets if engine.market(m).reduceOnly]
            if not lifts:
                break
            self._lift_reduce_only(lifts)
        else:
            raise AssertionError(f"{SYS_04}: markets stay reduce-only after 3 rounds of liquidations")
        for m in self.markets:
            index = self._index(m)
            sizes = [(engine.position(a, m)[0], a) for a in others]
            for size, a in sorted(sizes, key=lambda x: -x[0]):  # longs first, so the keeper never holds dust
                if size:
                    fill = (counter[m], a, m, -size, index)
                    self._ok(engine.fill.attempt(fill, sender=acc[OPERATOR]), f"closing {a} in market {m}")
            left = engine.position(counter[m], m)[0]
            assert left == 0, f"{SYS_04}: the keeper holds {left} in market {m} after all closed"
        for a in self.engine_accounts:
            state = engine.accountState(a)
            assert state.equity >= 0, f"{SYS_04}: {a} is flat with negative equity {state.equity}"
            amount = min(state.equity, state.collateral) // self.scale
            owner, id_ = self.owner_of[a]
            if amount:
                r = engine.withdrawFrom.attempt(id_, amount, owner, sender=owner)
                self._ok(r, f"{a} withdrawing {amount}")
        redeeming = []
        for i in STAKERS:
            a = acc[i]
            shares = fund.balanceOf(a)
            if not shares:
                continue
            if chain.timestamp < fund.redeemRequest(a).expiresAt:  # a live request: all shares go in one
                self._ok(fund.cancelRedeem.attempt(sender=a), f"staker {i} cancelling", FND_05)
            self._ok(fund.requestRedeem.attempt(shares, sender=a), f"staker {i} requesting", FND_05)
            redeeming.append((a, shares))
        if redeeming:
            chain.warp(max(fund.redeemRequest(a).claimableAt for a, _ in redeeming))
            for a, shares in redeeming:
                self._ok(fund.redeem.attempt(shares, a, a, sender=a), f"staker {a} redeeming", FND_05)

    def _liquidate_the_unhealthy(self, others: list[str]):
        """The keeper liquidates every account below maintenance, as far as the engine lets it, until
        none is (at most 10 rounds); an isolated market's positions go to its desk."""
        engine, keeper = self.engine, self.acc[KEEPER]
        for _ in range(10):
            unhealthy = [a for a in others if self._below_maintenance(a)]
            if not unhealthy:
                return
            for a in unhealthy:
                for m in self.markets:
                    amount = engine.maxLiquidation(a, m)
                    if amount:
                        id_ = KEEPER_DESK if m in self.isolated else 0
                        r = engine.liquidateInto.attempt(a, m, amount, id_, sender=keeper)
                        self._ok(r, f"liquidating {a}")
        raise AssertionError(f"{SYS_04}: accounts stay below maintenance after 10 rounds")

    def _lift_reduce_only(self, markets: list[int]):
        """Threshold signers schedule reduce-only off in `markets`; after the delay the keeper executes
        it, and the reporters make the prices live again."""
        ops = []
        for m in markets:
            calls = [self.desk.call(self.engine, "setReduceOnly", m, False)]
            self.salt += 1
            _, salt, r = self.desk.schedule(calls, self.salt, SIGNERS[:3], sender=self.acc[OPERATOR])
            self._ok(r, f"scheduling reduce-only off in market {m}")
            ops.append((calls, salt))
        self.chain.sleep(self.guardian.delay() + 1)
        for calls, salt in ops:
            self._ok(self.desk.execute(calls, salt, sender=self.acc[KEEPER]), "lifting reduce-only")
        for m in self.markets:
            self._fresh_price(m)

    def _below_maintenance(self, account: str) -> bool:
        state = self.engine.accountState(account)
        return state.maintenanceMargin > 0 and state.equity < state.maintenanceMargin

    def _fresh_price(self, m: int):
        """All reporters report the path price; a tripped breaker is cleared onto it by breakerThreshold."""
        oracle, market = self.oracles[m], self.plan.markets[m]
        keys = self._live_keys(m)

        def poke():
            epoch = oracle.nextEpoch()
            batch = sign_batch(keys, self.chain.chain_id, oracle.address, market.feed_id, epoch,
                               [self.path[m]] * len(keys), self.chain.timestamp)  # fmt: skip
            return self._ok(
                oracle.poke.attempt(epoch, batch, sender=self.acc[OPERATOR]), f"poking market {m}"
            )

        poke()
        if oracle.latest()[2] == TRIPPED:
            epoch = oracle.nextEpoch() - 1
            approvals = self.desk.approvals(clear_breaker_message(oracle.address, True, epoch), SIGNERS[:3])
            r = self.guardian.clearBreaker.attempt(
                oracle.address, True, epoch, approvals, sender=self.acc[OPERATOR]
            )
            self._ok(r, f"clearing market {m}'s breaker")
            self.chain.sleep(1)
            poke()
        assert oracle.latest()[2] == OK, f"{SYS_04}: market {m}'s price is not live: {oracle.latest()}"
