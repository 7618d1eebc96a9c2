"""Small misbehaving HTTP servers on loopback, for proving the suite survives bad targets.

Each mode answers every request the same broken way. Bounded: the server thread is a daemon
and is shut down by the context manager.
"""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

HUGE = 8 * 1024 * 1024

MODES = {
    "html-error-page": "an HTML 502 error page from a proxy",
    "non-json": "HTTP 200 with a plain-text body",
    "truncated": "a JSON body cut off before its announced Content-Length",
    "huge": f"a {HUGE // 1024 // 1024} MiB JSON body",
    "slow": "no answer until well after the request timeout",
    "garbage": "bytes that are not HTTP at all",
}


class _Handler(BaseHTTPRequestHandler):
    mode = "non-json"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        mode = self.mode
        if mode == "garbage":
            self.wfile.write(b"\x00\x01NOT HTTP\r\n\r\n")
            return
        if mode == "slow":
            time.sleep(3)
        if mode == "html-error-page":
            body, status, ctype = b"<html><body><h1>502 Bad Gateway</h1></body></html>", 502, "text/html"
        elif mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"statusCode": 200, "tripV')
            self.wfile.flush()
            self.close_connection = True
            return
        elif mode == "huge":
            body = b'{"statusCode": 200, "pad": "' + b"x" * HUGE + b'"}'
            status, ctype = 200, "application/json"
        else:
            body, status, ctype = b"service temporarily unavailable", 200, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer


@contextmanager
def fault_server(mode: str) -> Iterator[str]:
    """Serve `mode` on a free loopback port; yields the base URL."""
    handler = type("Handler", (_Handler,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
