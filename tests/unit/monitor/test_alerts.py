"""Alert sinks: every line on stdout, appended to the file, POSTed to the webhook; heartbeats on time;
a webhook that fails is reported and does not stop the monitor."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

from bulwark.monitor.alerts import Sink
from bulwark.monitor.detectors import Alert


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_alerts_go_to_stdout_the_file_and_the_webhook(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out, path = io.StringIO(), tmp_path / "alerts.jsonl"
        sink = Sink(out=out, file=str(path), webhook=f"http://127.0.0.1:{server.server_port}/")
        sink.alert(Alert("MON-01", "critical", 7, "ETH/USD", "stale", "MON-01:ETH/USD"))
        sink.heartbeat(60, 7)
        sink.heartbeat(60, 8)  # within the interval: no second beat
        sink.close()
    finally:
        server.shutdown()
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["type"] for x in lines] == ["alert", "heartbeat"]
    assert [json.loads(x) for x in path.read_text().splitlines()] == lines
    assert [x["id"] for x in Hook.received] == ["MON-01"], "alerts reach the webhook, heartbeats do not"


def test_a_failing_webhook_is_reported_and_does_not_stop_alerts():
    out = io.StringIO()
    sink = Sink(out=out, webhook="http://127.0.0.1:9/")
    sink.alert(Alert("MON-03", "critical", 9, "ETH/USD", "tripped", "MON-03:ETH/USD"))
    kinds = [json.loads(x)["type"] for x in out.getvalue().splitlines()]
    assert kinds == ["alert", "webhook_failed"]
