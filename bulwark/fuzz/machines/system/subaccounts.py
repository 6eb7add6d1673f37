"""The system machine's subaccount rules: traders 7 and 8 each keep a second subaccount (id 1), in any
market, an isolated one included, and the keeper a desk (id 5, KEEPER_DESK) into which it takes over
isolated-market positions. Each rule checks on the spot what only its own attempt shows:

- ENG-09: two subaccounts of one owner never trade with each other (MarginEngineSelfTrade);
- ENG-10: a fill that would open an isolated market beside another market, or another market beside an
  isolated one, is refused (MarginEngineIsolatedMarket);
- ENG-11: a halted market stops the withdrawals and transfers of the subaccounts that hold it, and of no
  other: a subaccount holding only live markets, with a token of margin to spare and the scope not
  paused, withdraws and transfers that token.

After every step (checks.py) ENG-09 (an account no engine event of the step names keeps its cash and
sizes) and ENG-10 (no account holds an isolated market beside another; a fund pays cover only in a
transaction whose engine events are in a market it backs) are checked over every account and subaccount.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from bulwark.abi.scopes import EngineScope
from bulwark.chain import Reverted
from bulwark.invariants import ENG_03, ENG_06, ENG_09, ENG_10, ENG_11
from bulwark.model.engine import subaccount
from bulwark.units import WAD

from .world import DESK_OWNERS, KEEPER_DESK, LIQUIDATORS

MARKET_IDS = st.integers(0, 2)  # every market of the parameter file (the rules skip ids it lacks)


class SubaccountRules:
    """Rules of the traders' second subaccounts and the keeper's desk (mixed into SystemMachine)."""

    def _desk(self, i: int) -> str:
        return subaccount(self.acc[i], 1)

    def _held(self, account: str) -> set[int]:
        return {m for m in self.markets if self.engine.position(account, m)[0]}

    def _spare(self, account: str) -> int | None:
        """min(equity, collateral) - IM of `account` [wad]; None while a price it needs is halted."""
        try:
            st_ = self.engine.accountState(account)
        except Reverted:
            return None
        return min(st_.equity, st_.collateral) - st_.initialMargin

    def _refused_beside_isolated(self, account: str, m: int, opens: bool) -> bool:
        """Whether opening `m` in `account` breaks the isolation rule."""
        others = self._held(account) - {m}
        return opens and bool(others) and any(x in self.isolated for x in (*others, m))

    @rule(
        owner=st.sampled_from(DESK_OWNERS),
        counter=st.sampled_from((*DESK_OWNERS, 9)),
        counter_desk=st.booleans(),
        m=MARKET_IDS,
        long=st.booleans(),
        fraction=st.sampled_from([WAD // 10, WAD // 2, WAD]),
    )
    def subaccount_trades(self, owner, counter, counter_desk, m, long, fraction):
        """Subaccount 1 of `owner` trades with another account or subaccount at the index, for a share of
        what the poorer side's cash carries at 8x."""
        if m not in self.markets:
            return
        taker = self._desk(owner)
        maker = self._desk(counter) if counter_desk else self.acc[counter]
        if maker == taker:
            return
        index = self._index(m)
        cash = max(min(self.engine.cash(maker), self.engine.cash(taker)), 0)
        size = cash * 8 * fraction // index or WAD // 100
        opening = [a for a in (maker, taker) if self.engine.position(a, m)[0] == 0]
        breaks = [a for a in opening if self._refused_beside_isolated(a, m, True)]
        r = self._fill((maker, taker, m, size if long else -size, index))
        if counter == owner:
            assert not r.status and r.error.name == "MarginEngineSelfTrade", (
                f"{ENG_09}: subaccounts of {self.acc[owner]} traded with each other"
            )
        elif breaks:
            assert not r.status, f"{ENG_10}: {breaks} opened market {m} beside an isolated one"

    @rule(owner=st.sampled_from(DESK_OWNERS), out=st.booleans(), tokens=st.sampled_from([1, 100, 2_000]))
    def subaccount_transfers(self, owner, out, tokens):
        """`owner` moves `tokens` from its subaccount 1 to its own account (`out`) or back."""
        source_id, target_id = (1, 0) if out else (0, 1)
        source, amount = subaccount(self.acc[owner], source_id), tokens * self.unit
        expected = self._exit_expected(source, amount, EngineScope.DEPOSIT)
        r = self.engine.transferMargin.attempt(source_id, target_id, amount, sender=self.acc[owner])
        self._judge_exit(r, source, expected, "transferred")

    @rule(owner=st.sampled_from(DESK_OWNERS), tokens=st.sampled_from([1, 100, 2_000]))
    def subaccount_withdraws(self, owner, tokens):
        """`owner` withdraws `tokens` from its subaccount 1."""
        a, amount = self.acc[owner], tokens * self.unit
        expected = self._exit_expected(self._desk(owner), amount, EngineScope.WITHDRAW)
        r = self.engine.withdrawFrom.attempt(1, amount, a, sender=a)
        self._judge_exit(r, self._desk(owner), expected, "withdrew")

    def _exit_expected(self, source: str, amount: int, scope) -> tuple[list[int], bool]:
        """Before moving `amount` out of `source`: the halted markets it holds, and whether ENG-11 says
        the move must go through (no halted market held, one token of margin to spare beyond `amount`,
        `scope` not paused)."""
        halted = sorted(m for m in self._held(source) if not self._live(m))
        spare = self._spare(source)
        unpaused = self.engine.pausedUntil(int(scope)) <= self.chain.timestamp
        must = not halted and unpaused and spare is not None and spare >= amount * self.scale + WAD
        return halted, must

    def _judge_exit(self, receipt, source: str, expected: tuple[list[int], bool], what: str) -> None:
        self._note(receipt)
        halted, must = expected
        if halted:
            assert not receipt.status, (
                f"{ENG_11}: {source} {what} while markets {halted} it holds were halted"
            )
        if must:
            assert receipt.status, (
                f"{ENG_11}: {source}, holding only live markets with margin to spare, was refused: "
                f"{receipt.error}"
            )

    @rule(
        liquidator=st.sampled_from(LIQUIDATORS),
        pick=st.integers(0, 7),
        fraction=st.sampled_from([WAD, WAD // 2, WAD // 10]),
    )
    def subaccount_is_liquidated(self, liquidator, pick, fraction):
        """A liquidator takes over part of a subaccount's position below maintenance; in an isolated
        market into the keeper's desk or its own subaccount KEEPER_DESK (which holds nothing else)."""
        held = [
            (self._desk(i), m) for i in DESK_OWNERS for m in self.markets if self._size_of(self._desk(i), m)
        ]
        if not held:
            return
        due = [(a, m) for a, m in held if self._most(a, m)]
        if not due:
            return
        account, m = due[pick % len(due)]
        amount = self._most(account, m) * fraction // WAD or self._most(account, m)
        live = self._live(m)
        sender = self.acc[liquidator]
        if m in self.isolated:
            r = self.engine.liquidateInto.attempt(account, m, amount, KEEPER_DESK, sender=sender)
        else:
            r = self.engine.liquidate.attempt(account, m, amount, sender=sender)
        self._note(r)
        if not live:
            assert not r.status, f"{ENG_06}: a liquidation in market {m} went through without a live price"
        if r.status:
            taker = subaccount(sender, KEEPER_DESK) if m in self.isolated else sender
            assert self._size_of(taker, m), f"{ENG_03}: the liquidator's account took nothing over"

    def _size_of(self, account: str, m: int) -> int:
        return self.engine.position(account, m)[0]

    def _most(self, account: str, m: int) -> int:
        try:
            return self.engine.maxLiquidation(account, m)
        except Reverted:
            return 0
