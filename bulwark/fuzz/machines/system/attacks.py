"""The system machine's attacker: one party with two engine accounts (ATTACKERS) and keys of its own,
no reporter or signer key. Every rule here is an attack that must fail, or (wash trades) one whose
profit SYS-02 bounds after every step:

- wash trades between its own accounts, inside the band, within a size limit (SYS-02);
- liquidating healthy accounts (ENG-03) and withdrawing one unit past its free margin (ENG-05);
- replaying accepted reports for another epoch or their own (ORA-03), forging reports with its own keys
  or altering an honest report's price after signing (SYS-05), sending a suspended reporter's report
  (ORA-08);
- approvals signed with its own keys (GRD-04) and admin calls made directly (GRD-04).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from bulwark.abi.scopes import EngineScope
from bulwark.invariants import ENG_03, ENG_05, FND_02, GRD_04, ORA_03, ORA_08, SYS_05
from bulwark.signing.approvals import pause_message, schedule_message, sign_all
from bulwark.signing.reports import sign_batch
from bulwark.units import HOUR, WAD

from .markets import fractions
from .world import ATTACKERS, BYSTANDER, FUNDING, SIGNERS, STRANGER_KEYS, TRADERS, WASH_NOTIONAL


class AttackerRules:
    """Rules of the attacker (mixed into SystemMachine)."""

    @rule(long=st.booleans(), m=st.integers(0, 1), fraction=fractions, offset=st.sampled_from([0, 300, -300]))
    def wash_trade(self, long, m, fraction, offset):
        """The attacker trades between its own two accounts, inside the band, within its size limit."""
        if m not in self.markets:
            return
        a, b = (self.acc[i] for i in ATTACKERS)
        limit = FUNDING[ATTACKERS[0]][1] * self.unit * self.scale * WAD // WASH_NOTIONAL // self.starts[m]
        size = limit * min(fraction, WAD) // (2 * WAD) or WAD // 100
        size = size if long else -size
        if abs(self.engine.position(b, m)[0] + size) > limit:
            return
        price = self._index(m) * (10_000 + offset) // 10_000
        self._fill((a, b, m, size, price))

    @rule(
        attacker=st.sampled_from(ATTACKERS), who=st.sampled_from((*TRADERS, BYSTANDER)), m=st.integers(0, 1)
    )
    def liquidate_healthy(self, attacker, who, m):
        """The attacker tries to liquidate an account at or above maintenance: it must fail."""
        state = self._state(who)
        if m not in self.markets or state is None or not self._size(who, m):
            return
        if state.equity >= state.maintenanceMargin:
            r = self.engine.liquidate.attempt(
                self.acc[who], m, abs(self._size(who, m)), sender=self.acc[attacker]
            )
            self._must_fail(r, ENG_03, f"liquidating healthy {who}")

    @rule(attacker=st.sampled_from(ATTACKERS))
    def withdraw_past_im(self, attacker):
        """The attacker withdraws one token unit more than its margin frees: it must fail."""
        state = self._state(attacker)
        if state is None:
            return
        free = min(state.equity, state.collateral) - state.initialMargin
        amount = max(free // self.scale + 1, 1)
        a = self.acc[attacker]
        self._must_fail(self.engine.withdraw.attempt(amount, a, sender=a), ENG_05, f"withdrawing {amount}")

    @rule(m=st.integers(0, 1), next_epoch=st.booleans())
    def replay_reports(self, m, next_epoch):
        """The attacker re-sends the last accepted poke's reports: for the next epoch it must fail; for
        their own epoch it may go through but must change nothing (they were counted once)."""
        if m not in self.last_poke:
            return
        oracle = self.oracles[m]
        epoch, batch = self.last_poke[m]
        if next_epoch:
            r = oracle.poke.attempt(oracle.nextEpoch(), batch, sender=self.acc[ATTACKERS[0]])
            self._must_fail(r, ORA_03, "reports replayed for another epoch")
            return
        before = (oracle.latest(), oracle.nextEpoch())
        r = self._note(oracle.poke.attempt(epoch, batch, sender=self.acc[ATTACKERS[0]]))
        assert (oracle.latest(), oracle.nextEpoch()) == before and not r.events, (
            f"{ORA_03}: replayed reports counted again: {[e.name for e in r.events]}"
        )

    @rule(kind=st.integers(0, 3), scope=st.sampled_from([1, 2, 4, 8]))
    def stranger_approvals(self, kind, scope):
        """The attacker signs approvals with its own keys (and one real signer's): they count for nothing."""
        keys = [self.chain.keys[i] for i in ATTACKERS]
        until = self.chain.timestamp + HOUR
        if kind < 2:
            target = (self.engine, self.fund)[kind]
            msg = pause_message(target.address, scope, until)
            approvals = sign_all(keys, msg, self.chain.chain_id, self.guardian.address, until)
            r = self.guardian.pause.attempt(
                target.address, scope, until, approvals, sender=self.acc[ATTACKERS[0]]
            )
        else:
            calls = [self.desk.call(self.engine, "setReduceOnly", 0, kind == 2)]
            salt = (10**9 + self.salt).to_bytes(32, "big")
            approvals = sign_all([*keys, self.chain.keys[SIGNERS[0]]], schedule_message(calls, salt),
                                 self.chain.chain_id, self.guardian.address, until)  # fmt: skip
            r = self.guardian.schedule.attempt(calls, salt, approvals, sender=self.acc[ATTACKERS[0]])
        self._must_fail(r, GRD_04, "a stranger's approvals")

    @rule(kind=st.integers(0, 5))
    def admin_call(self, kind):
        """The attacker calls an admin function directly: it must fail."""
        sender = self.acc[ATTACKERS[1]]
        m = 0
        if kind == 0:
            r = self.engine.setRiskParams.attempt(m, self.plan.markets[m].risk.as_tuple(), sender=sender)
        elif kind == 1:
            r = self.fund.setParams.attempt(tuple(self.plan.fund_config), sender=sender)
        elif kind == 2:
            r = self.oracles[m].setConfig.attempt(tuple(self.plan.markets[m].config), sender=sender)
        elif kind == 3:
            r = self.engine.setPause.attempt(
                int(EngineScope.WITHDRAW), self.chain.timestamp + HOUR, sender=sender
            )
        elif kind == 4:
            r = self.fund.setEngine.attempt(sender, True, sender=sender)
        else:  # the fund's cover, which only a registered engine may take (FND-02)
            r = self.fund.cover.attempt(self.unit, sender=sender)
        self._must_fail(r, FND_02 if kind == 5 else GRD_04, f"admin call {kind} by the attacker")

    @rule(
        m=st.integers(0, 1),
        kind=st.sampled_from(["strangers", "altered"]),
        far=st.sampled_from([0, 1, 5, 20]),
    )
    def forged_reports(self, m, kind, far):
        """Reports for the next epoch that no reporter signed as sent: signed by the attacker's own keys
        (strangers), or an honest quorum's batch with one price raised after signing (altered). Either
        would let a party without reporter keys set the price: it must fail."""
        if m not in self.markets:
            return
        oracle, market = self.oracles[m], self.plan.markets[m]
        c = market.config
        bad = {0: c.minPrice, 1: c.maxPrice}.get(far, self.path[m] * far // 10)
        epoch, now = oracle.nextEpoch(), self.chain.timestamp
        if kind == "strangers":
            keys = list(STRANGER_KEYS[: c.quorum])
            batch = sign_batch(keys, self.chain.chain_id, oracle.address, market.feed_id, epoch,
                               [bad] * len(keys), now)  # fmt: skip
        elif kind == "altered":
            keys = self._live_keys(m)
            batch = sign_batch(keys, self.chain.chain_id, oracle.address, market.feed_id, epoch,
                               [self.path[m]] * len(keys), now)  # fmt: skip
            first = list(batch[0])
            first[0] = bad if bad != first[0] else bad + 1
            batch = [tuple(first), *batch[1:]]
        else:  # one short of a quorum of honest reports, and the relayer repeats one to make up the count
            keys = self._live_keys(m)[: c.quorum - 1]
            if not keys:
                return
            batch = sign_batch(keys, self.chain.chain_id, oracle.address, market.feed_id, epoch,
                               [self.path[m]] * len(keys), now)  # fmt: skip
            batch = [*batch, batch[-1]]  # still in order: the repeat sits next to itself
        r = oracle.poke.attempt(epoch, batch, sender=self.acc[ATTACKERS[0]])
        self._must_fail(r, ORA_03 if kind == "duplicated" else SYS_05, f"a poke with {kind} reports")

    @rule(m=st.integers(0, 1))
    def suspended_report(self, m):
        """The relayer includes a suspended reporter's report with every live one: it must fail (ORA-08)."""
        if m not in self.markets:
            return
        live = set(self._live_keys(m))
        keys = self.plan.markets[m].reporter_keys
        suspended = [k for k in keys if k not in live]
        if suspended:
            r, _ = self._send_poke(
                m, [*live, suspended[0]], [self.path[m]] * (len(live) + 1), self.chain.timestamp
            )
            assert not r.status, f"{ORA_08}: a suspended reporter's report counted"
