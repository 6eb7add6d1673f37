"""The system machine's guardian signers: fast pauses and their extension, reporter suspensions,
breaker clears, and timelocked changes (risk, oracle config, fund params, reduce-only on and off) that
a keeper executes after their ETA or tries before it. Each rule checks the signer counts on the spot
(GRD-01, GRD-03, GRD-04, GRD-05); what the pauses and suspensions granted is recorded from the events
(SystemMachine._note) for the checks after every step.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from bulwark.abi.scopes import LOSS_SHIFTING, EngineScope, FundScope, OracleScope
from bulwark.invariants import GRD_01, GRD_03, GRD_04, GRD_05
from bulwark.model.engine import RiskParams
from bulwark.model.fund import Params as FundParams
from bulwark.signing.approvals import (
    clear_breaker_message,
    extend_pause_message,
    pause_message,
    suspend_reporter_message,
)
from bulwark.units import WAD

from .world import ATTACKERS, KEEPER, OPERATOR, PAUSE_DURATIONS, SIGNERS, TRIPPED, Pending

# the guardian's fast-path calls -> the message their approvals sign
FAST_MESSAGES = {
    "pause": pause_message,
    "extendPause": extend_pause_message,
    "suspendReporter": suspend_reporter_message,
    "clearBreaker": clear_breaker_message,
}


class GuardianRules:
    """Rules of the guardian's signers (mixed into SystemMachine)."""

    def _pause_targets(self):
        yield self.engine, EngineScope
        yield self.fund, FundScope
        for oracle in self.oracles:
            yield oracle, OracleScope

    def _fast(self, fn: str, *args, signers: int, needed: int, invariant, what: str):
        """A fast-path guardian call approved by the first `signers` signers; fewer than `needed` must
        fail. A call that goes through is kept for the attacker to replay."""
        message = FAST_MESSAGES[fn](*args)
        approvals = self.desk.approvals(message, SIGNERS[:signers])
        r = self._note(getattr(self.guardian, fn).attempt(*args, approvals, sender=self.acc[OPERATOR]))
        if signers < needed:
            assert not r.status, f"{invariant}: {what} passed with {signers} < {needed} signers"
        if r.status:
            self.fast_calls.append((fn, (*args, approvals)))
        return r

    @rule(which=st.integers(0, 3), bit=st.integers(0, 3), signers=st.integers(1, 3),
          duration=st.sampled_from(PAUSE_DURATIONS))  # fmt: skip
    def pause(self, which, bit, signers, duration):
        """A fast pause: pauseThreshold signers for a scope that shifts no loss, shiftPauseThreshold for
        one that does; fewer must fail (GRD-05)."""
        targets = list(self._pause_targets())
        contract, scopes = targets[which % len(targets)]
        scope = list(scopes)[bit % len(scopes)]
        shifting = bool(LOSS_SHIFTING[scopes] & scope)
        needed = self.thresholds["shift"] if shifting else self.thresholds["pause"]
        until = self.chain.timestamp + min(duration, self.plan.bounds.max_pause)
        self._fast("pause", contract.address, int(scope), until, signers=signers, needed=needed,
                   invariant=GRD_05, what=f"a pause of {scope!r}")  # fmt: skip

    @rule(which=st.integers(0, 3), duration=st.sampled_from(PAUSE_DURATIONS))
    def padded_approvals(self, which, duration):
        """The relayer holds one signer's approval of a pause of a loss-shifting scope and repeats it up
        to shiftPauseThreshold: one signer counted twice must not count (GRD-05)."""
        targets = [(c, s) for c, s in self._pause_targets() if LOSS_SHIFTING[s]]
        contract, scopes = targets[which % len(targets)]
        scope = next(iter(LOSS_SHIFTING[scopes]))
        until = self.chain.timestamp + min(duration, self.plan.bounds.max_pause)
        (approval,) = self.desk.approvals(pause_message(contract.address, int(scope), until), SIGNERS[:1])
        padded = [approval] * max(self.thresholds["shift"], 2)
        r = self.guardian.pause.attempt(
            contract.address, int(scope), until, padded, sender=self.acc[OPERATOR]
        )
        self._must_fail(r, GRD_05, f"a pause of {scope!r} on one signer's approval, repeated")

    @rule(which=st.integers(0, 3), bit=st.integers(0, 3), signers=st.sampled_from([3, 3, 2]),
          extra=st.sampled_from(PAUSE_DURATIONS))  # fmt: skip
    def extend_pause(self, which, bit, signers, extra):
        """Threshold signers extend a running pause (fewer must fail: GRD-03's "unless extended by
        threshold signers")."""
        targets = list(self._pause_targets())
        contract, scopes = targets[which % len(targets)]
        scope = list(scopes)[bit % len(scopes)]
        now = self.chain.timestamp
        running = contract.pausedUntil(int(scope))
        if running <= now:
            return
        until = min(running + extra, now + self.plan.bounds.max_pause)
        if until <= running:
            return
        self._fast("extendPause", contract.address, int(scope), until, signers=signers,
                   needed=self.thresholds["threshold"], invariant=GRD_03,
                   what=f"extending the pause of {scope!r}")  # fmt: skip

    @rule(m=st.integers(0, 1), which=st.integers(0, 6), signers=st.integers(1, 3),
          duration=st.sampled_from(PAUSE_DURATIONS))  # fmt: skip
    def suspend_reporter(self, m, which, signers, duration):
        """Signers suspend a reporter at once: pauseThreshold while the oracle has spare reporters, else
        shiftPauseThreshold; fewer must fail (GRD-05). The oracle refuses one that breaks its quorum."""
        if m not in self.markets:
            return
        oracle = self.oracles[m]
        reporters = self.reporters[m]
        reporter = reporters[which % len(reporters)]
        now = self.chain.timestamp
        if oracle.suspendedUntil(reporter) > now:
            return
        needed = self.thresholds["pause"] if oracle.spareReporters() > 0 else self.thresholds["shift"]
        until = now + min(duration, self.plan.bounds.max_pause)
        self._fast("suspendReporter", oracle.address, reporter, until, signers=signers, needed=needed,
                   invariant=GRD_05, what="a reporter suspension")  # fmt: skip

    @rule(m=st.integers(0, 1), accept=st.booleans(), signers=st.integers(1, 3))
    def clear_breaker(self, m, accept, signers):
        """breakerThreshold signers clear a tripped breaker (fewer must fail, GRD-05)."""
        if m not in self.markets or self.oracles[m].latest()[2] != TRIPPED:
            return
        oracle = self.oracles[m]
        self._fast("clearBreaker", oracle.address, accept, oracle.nextEpoch() - 1, signers=signers,
                   needed=self.thresholds["breaker"], invariant=GRD_05, what="a breaker clear")  # fmt: skip

    def _change(self, kind: int, choice: int) -> list[tuple]:
        """A timelocked change: risk, oracle config, fund params, or reduce-only on/off; all valid but one
        oracle config whose faultTolerance equals its quorum (the oracle refuses it: ORA-05 after every
        step catches it if executed)."""
        m = choice % len(self.oracles)
        call = self.desk.call
        if kind == 0:
            risk = self.plan.markets[m].risk
            deviation = (WAD // 50, WAD // 20, 2 * WAD // 25)[choice % 3]
            fields = {**risk.__dict__, "maxTradeDeviation": deviation}
            return [call(self.engine, "setRiskParams", m, RiskParams(**fields).as_tuple())]
        if kind == 1:
            config = self.plan.markets[m].config
            if choice == 5:  # one hostile reporter more than the quorum tolerates: executing must fail
                return [
                    call(self.oracles[m], "setConfig", tuple(config._replace(faultTolerance=config.quorum)))
                ]
            staleness = (config.maxStaleness // 2, config.maxStaleness, config.maxStaleness * 2)[choice % 3]
            return [call(self.oracles[m], "setConfig", tuple(config._replace(maxStaleness=staleness)))]
        if kind == 2:
            p: FundParams = self.plan.fund_config
            return [
                call(
                    self.fund, "setParams", tuple(p._replace(maxOutflow=p.maxOutflow * (1 + choice % 2) // 2))
                )
            ]
        return [call(self.engine, "setReduceOnly", m, bool(choice % 2))]

    @rule(kind=st.integers(0, 3), choice=st.integers(0, 5), signers=st.sampled_from([3, 3, 2]))
    def schedule(self, kind, choice, signers):
        """Signers schedule a change; fewer than the threshold must fail."""
        calls = self._change(kind, choice)
        self.salt += 1
        op, salt, r = self.desk.schedule(calls, self.salt, SIGNERS[:signers], sender=self.acc[OPERATOR])
        self._note(r)
        if signers < self.thresholds["threshold"]:
            assert not r.status, f"{GRD_01}: scheduled with {signers} signers"
        if r.status:
            e = r.event("OperationScheduled")
            self.pending[op] = self.scheduled[op] = Pending(calls, salt, e["eta"], e["expiresAt"])

    @precondition(lambda self: self.pending)
    @rule(data=st.data(), when=st.sampled_from(["eta", "eta", "now", "late"]))
    def execute(self, data, when):
        """Execute a pending operation at its ETA, now (early must fail) or just past its grace window
        (late must fail)."""
        op = data.draw(st.sampled_from(sorted(self.pending)))
        p = self.pending[op]
        at = {"eta": p.eta, "late": p.expires_at + 1}.get(when, 0)
        if self.chain.timestamp < at:
            self.chain.warp(at)
            self._refresh()  # keepers keep the prices fresh meanwhile
        now = self.chain.timestamp
        r = self._note(self.desk.execute(p.calls, p.salt, sender=self.acc[KEEPER]))
        if not p.eta <= now <= p.expires_at:
            assert not r.status, f"{GRD_01}: executed at {now}, outside [{p.eta}, {p.expires_at}]"
        if r.status or self.chain.timestamp > p.expires_at:
            del self.pending[op]

    @precondition(lambda self: self.fast_calls)
    @rule(data=st.data())
    def replay_fast_call(self, data):
        """The attacker re-sends a fast pause, extension, suspension or breaker clear that went through,
        approvals and all: each request runs once, so it must fail (GRD-04)."""
        fn, args = data.draw(st.sampled_from(self.fast_calls))
        r = getattr(self.guardian, fn).attempt(*args, sender=self.acc[ATTACKERS[0]])
        self._must_fail(r, GRD_04, f"a replayed {fn}")
