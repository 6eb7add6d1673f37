"""Containment: a configured detector's alert becomes a fast pause through the PauseGuardian.

Safe to automate because it
- pauses only scopes that shift no losses (bulwark.monitor.config refuses the others);
- is idempotent: it reads `pausedUntil` of every scope first and never re-pauses a running pause (the
  guardian refuses that too, PauseGuardianAlreadyPaused), so two monitors on one deployment do not
  double-act: the second finds the pause live, or its transaction is refused and it reports that;
- verifies the pause landed (reads `pausedUntil` again after the receipt);
- never unpauses or extends: lifting a pause early is the signers' decision, through the timelock.
With `dry_run` it reports what it would send and sends nothing.
"""

from __future__ import annotations

from eth_account import Account

from bulwark.chain.base import Reverted
from bulwark.monitor.config import Action, MonitorConfig
from bulwark.monitor.detectors import Alert, Snapshot
from bulwark.monitor.node import Node, NodeError, Read
from bulwark.monitor.reader import Deployment

CONTAINED_BY_OTHERS = ("PauseGuardianAlreadyPaused", "PauseGuardianPauseReplayed")
# Why an alert about an isolated market (its feed, its bad debt, its fund) is reported but not paused:
# the monitor's pauses are the engine's, so they would halt every market, and anyone who can move a thin
# market (trip its breaker, drain its fund) could then freeze the whole venue at will. ENG-10 keeps that
# market's losses inside it and ENG-11 its oracle's halts with its holders; the one pause of that market
# alone, its oracle's, shifts losses, so signers decide it (bulwark guardian).
ISOLATED = (
    "isolated market: its losses stay in it (ENG-10) and an engine pause would halt every market; "
    "pausing its oracle shifts losses, so signers decide (bulwark guardian)"
)


class Responder:
    def __init__(
        self, node: Node, deployment: Deployment, config: MonitorConfig, key: bytes | None, sink, dry_run
    ):
        self.node, self.deployment, self.config, self.key = node, deployment, config, key
        self.sink, self.dry_run = sink, dry_run
        guardian = deployment.addresses.guardian
        self.max_pause = node.read(
            [Read("PauseGuardian", guardian, "MAX_PAUSE_DURATION")], node.block_number()
        )[0]
        self.isolated = deployment.isolated_subjects()
        self.signer = Account.from_key(key).address if key else None
        self.role = self._role(node, guardian) if self.signer else None

    def _role(self, node: Node, guardian: str) -> str:
        """What the key is to the guardian: "pauser" (pause-only, GRD-06: what a monitor should hold),
        "signer" (a full signer key: it works, but a stolen copy is a signer) or "none" (every pause it
        sends is refused)."""
        pauser, signer = node.read(
            [Read("PauseGuardian", guardian, name, (self.signer,)) for name in ("isPauser", "isSigner")],
            node.block_number(),
        )
        return "pauser" if pauser else "signer" if signer else "none"

    def respond(self, alert: Alert, now: Snapshot) -> dict | None:
        """Contain `alert` if its detector is configured to act; the response line, or None."""
        action = self.config.act.get(alert.id)
        if action is None:
            return None
        if action.suspend is not None:
            return self._suspend(alert, now, action)
        if alert.subject in self.isolated:
            base = {"alert": alert.id, "key": alert.key, "target": alert.subject}
            return self.sink.emit("response", action="none", reason=ISOLATED, **base)
        target, flags = self.deployment.guarded()[action.contract]
        # scopes paused already stay as they are (never re-paused): only the others are asked for
        live = {s: now.pauses.get(f"{action.contract}.{s}", 0) for s in action.scopes}
        missing = [s for s, until in live.items() if until <= now.timestamp]
        base = {"alert": alert.id, "key": alert.key, "target": action.contract, "scopes": missing}
        if not missing:
            running = min(live.values())
            return self.sink.emit("response", action="none", reason=f"already paused until {running}", **base)
        mask = action.mask(missing)
        until = now.timestamp + min(action.duration, self.max_pause)
        if self.dry_run:
            return self.sink.emit("response", action="would pause", until=until, dry_run=True, **base)
        if self.key is None:
            return self.sink.emit("response", action="none", reason="no pause key", **base)
        guardian = self.deployment.addresses.guardian
        # the key sends the pause itself: a pauser's or signer's call counts as its approval, none attached
        pause = self.node.artifacts["PauseGuardian"].abi.function("pause")
        data = pause.encode(target, mask, until, [])
        try:
            receipt = self.node.send(self.key, guardian, data)
        except Reverted as revert:
            if revert.error.name in CONTAINED_BY_OTHERS:
                return self.sink.emit(
                    "response", action="none", reason=f"contained by another: {revert.error}", **base
                )
            return self.sink.emit("response", action="failed", reason=str(revert.error), **base)
        except NodeError as err:
            return self.sink.emit("response", action="failed", reason=str(err), **base)
        block = int(receipt["blockNumber"], 16)
        reads = [Read("IGuarded", target, "pausedUntil", (int(flags[s]),)) for s in missing]
        landed = all(u >= until for u in self.node.read(reads, block))
        return self.sink.emit(
            "response",
            action="paused" if landed else "failed",
            reason=None if landed else "the pause did not land",
            until=until,
            tx=receipt["transactionHash"],
            block=block,
            **base,
        )

    def _suspend(self, alert: Alert, now: Snapshot, action: Action) -> dict:
        """Suspend the reporter the alert names (subject "<market> <reporter>") through the fast path."""
        market, reporter = alert.subject.rsplit(" ", 1)
        oracle = self.deployment.addresses.oracles[market]
        base = {"alert": alert.id, "key": alert.key, "target": f"MedianOracle:{market}", "reporter": reporter}
        (running,) = self.node.read([Read("MedianOracle", oracle, "suspendedUntil", (reporter,))], now.block)
        if running > now.timestamp:
            return self.sink.emit(
                "response", action="none", reason=f"already suspended until {running}", **base
            )
        until = now.timestamp + min(action.suspend, self.max_pause)
        if self.dry_run or self.key is None:
            reason = {} if self.dry_run else {"reason": "no pause key"}
            return self.sink.emit(
                "response", action="would suspend", until=until, dry_run=self.dry_run, **reason, **base
            )
        suspend = self.node.artifacts["PauseGuardian"].abi.function("suspendReporter")
        data = suspend.encode(oracle, reporter, until, [])
        try:
            receipt = self.node.send(self.key, self.deployment.addresses.guardian, data)
        except Reverted as revert:
            if revert.error.name == "PauseGuardianInsufficientApprovals":
                reason = (
                    f"{revert.error}: the oracle has no spare reporter, so a suspension needs "
                    "shift_pause_threshold signers (bulwark guardian)"
                )
            else:
                reason = str(revert.error)
            return self.sink.emit("response", action="failed", reason=reason, **base)
        except NodeError as err:
            return self.sink.emit("response", action="failed", reason=str(err), **base)
        block = int(receipt["blockNumber"], 16)
        (landed,) = self.node.read([Read("MedianOracle", oracle, "suspendedUntil", (reporter,))], block)
        return self.sink.emit(
            "response", action="suspended" if landed >= until else "failed", until=until,
            tx=receipt["transactionHash"], block=block, **base,
        )  # fmt: skip
