"""The monitor's loop: follow each new block, read a snapshot, run every detector, report each new
incident once, contain what is configured to act, and beat the heartbeat.

An incident is an alert key (e.g. MON-01:ETH/USD): it is reported when it first fires and again only
after it has cleared. Containment runs once per incident.
"""

from __future__ import annotations

import time

from bulwark.monitor.config import MonitorConfig
from bulwark.monitor.detectors import DETECTORS, Snapshot
from bulwark.monitor.node import Node
from bulwark.monitor.reader import Deployment, Reader
from bulwark.monitor.respond import Responder

HISTORY = 4096  # snapshots kept for windowed detectors


class Monitor:
    def __init__(
        self,
        node: Node,
        deployment: Deployment,
        config: MonitorConfig,
        sink,
        key=None,
        dry_run=False,
        on_check=None,
    ):
        self.node, self.config, self.sink = node, config, sink
        self.on_check = on_check or (lambda _snapshot, _fired: None)  # (snapshot, every alert firing in it)
        self.reader = Reader(node, deployment, config.references)
        self.responder = Responder(node, deployment, config, key, sink, dry_run)
        self.history: list[Snapshot] = []
        self.active: set[str] = set()
        self.addresses = deployment.watched()
        head = node.block_number()
        # the accounts the engine has seen so far (ENG-01 and ENG-02 sum over them)
        self.reader.note(
            e for _, e in node.events(deployment.first_block, head, [deployment.addresses.engine])
        )
        self.first = head  # the first block checked
        self.last = head - 1
        sink.emit(
            "start",
            block=head,
            chain_id=node.chain_id,
            signer=self.responder.signer,
            role=self.responder.role,
            dry_run=dry_run,
        )

    def poll(self) -> int:
        """Check every block mined since the last poll; the number checked."""
        head = self.node.block_number()
        if head <= self.last:
            return 0
        by_block: dict[int, list] = {}
        for block, event in self.node.events(self.last + 1, head, self.addresses):
            by_block.setdefault(block, []).append(event)
        for block in range(self.last + 1, head + 1):
            self.check(self.reader.snapshot(block, by_block.get(block, [])))
        checked, self.last = head - self.last, head
        self.sink.heartbeat(self.config.heartbeat, head)
        return checked

    def check(self, snapshot: Snapshot) -> list:
        self.history = [*self.history[-HISTORY + 1 :], snapshot]
        fired = [a for d in DETECTORS for a in d.check(self.history, self.config)]
        keys = {a.key for a in fired}
        for alert in fired:
            if alert.key in self.active:
                continue
            self.sink.alert(alert)
            self.responder.respond(alert, snapshot)
        self.active = keys
        self.on_check(snapshot, fired)
        return fired

    def run(self, blocks: int | None = None) -> None:
        """Poll until `blocks` blocks were checked (forever when None)."""
        done = 0
        while blocks is None or done < blocks:
            n = self.poll()
            done += n
            if not n:
                time.sleep(self.config.poll)
