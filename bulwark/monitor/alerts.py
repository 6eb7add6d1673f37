"""Where the monitor's findings go: JSON lines on stdout and appended to a file, optionally POSTed to
a webhook, and a heartbeat line every `heartbeat` seconds so that a silent monitor is a dead one.

Every line is one JSON object with a `type`: `alert` (a detector fired), `response` (what containment
did or, with --dry-run, would do), `heartbeat`, `start`, `stop`.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

import requests

WEBHOOK_TIMEOUT = 5.0  # [s]


class Sink:
    def __init__(self, out: TextIO = sys.stdout, file: str | None = None, webhook: str | None = None):
        self.out, self.webhook = out, webhook
        self.file = Path(file).open("a") if file else None  # noqa: SIM115 (closed in close())
        self.lines: list[dict] = []  # everything emitted, for tests and drills
        self.last_heartbeat = 0.0

    def emit(self, kind: str, **fields) -> dict:
        line = {"type": kind, "time": round(time.time(), 3), **fields}
        text = json.dumps(line, default=str)
        print(text, file=self.out, flush=True)
        if self.file is not None:
            self.file.write(text + "\n")
            self.file.flush()
        if self.webhook and kind in ("alert", "response"):
            try:
                requests.post(self.webhook, json=line, timeout=WEBHOOK_TIMEOUT)
            except requests.RequestException as err:
                print(
                    json.dumps({"type": "webhook_failed", "error": str(err)[:200]}), file=self.out, flush=True
                )
        self.lines.append(line)
        return line

    def alert(self, alert) -> dict:
        return self.emit("alert", **asdict(alert))

    def heartbeat(self, every: float, block: int) -> None:
        now = time.monotonic()
        if now - self.last_heartbeat >= every:
            self.last_heartbeat = now
            self.emit("heartbeat", block=block)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
