"""A loopback HTTP proxy in front of an OpenSearch node that refuses or loses chosen answers,
for the writer's retry tests: real requests to a real node, with the faults put in between."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


class RefusingProxy(http.server.ThreadingHTTPServer):
    """A loopback HTTP proxy to a node: it answers the first bulk requests with the statuses in
    ``refusals``, then marks the first item of the next ``item_refusals`` answers as refused
    with 429 (the node did index it: a retry must index it again, harmlessly)."""

    def __init__(self, target: str, refusals: list[int], item_refusals: int = 0,
                 lose_answers: list[str] | None = None) -> None:
        self.target, self.refusals, self.item_refusals = target, refusals, item_refusals
        # Requests (by path) forwarded to the node whose answer is then lost on the way back.
        self.lose_answers = lose_answers or []
        self.bulk_items: list[int] = []  # documents per bulk request that reached the node

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _any(handler) -> None:
                body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
                if "_bulk" in handler.path and self.refusals:
                    return handler._answer(self.refusals.pop(0), b'{"error":"busy"}')
                request = urllib.request.Request(self.target + handler.path, data=body or None,
                                                 method=handler.command,
                                                 headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        data = answer.read()
                    if "_bulk" in handler.path:
                        data = self._refuse_item(body, data)
                    if handler.path.split("?")[0] in self.lose_answers:
                        self.lose_answers.remove(handler.path.split("?")[0])
                        handler.close_connection = True
                        return None
                    handler._answer(answer.status, data)
                except urllib.error.HTTPError as error:
                    handler._answer(error.code, error.read())

            def _answer(handler, status: int, data: bytes) -> None:
                handler.send_response(status)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(data)))
                handler.end_headers()
                handler.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def _refuse_item(self, request: bytes, data: bytes) -> bytes:
        self.bulk_items.append(request.count(b"\n") // 2)
        if not self.item_refusals:
            return data
        self.item_refusals -= 1
        answer = json.loads(data)
        (op, result), = answer["items"][0].items()
        result.update(status=429, error={"type": "es_rejected_execution_exception",
                                         "reason": "queue full"})
        answer["errors"] = True
        return json.dumps(answer).encode()


@contextmanager
def refusing_proxy(target: str, refusals: list[int], item_refusals: int = 0,
                   lose_answers: list[str] | None = None) -> Iterator[RefusingProxy]:
    """A RefusingProxy serving in a thread; its URL is ``proxy.url``."""
    proxy = RefusingProxy(target, refusals, item_refusals, lose_answers)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=5)
