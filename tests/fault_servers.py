"""Small misbehaving HTTP servers on loopback, for proving the suite survives bad targets.

Each mode answers every request the same broken way. Bounded: the server thread is a daemon
and is shut down by the context manager.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HUGE = 8 * 1024 * 1024

MODES = {
    "html-error-page": "an HTML 502 error page from a proxy",
    "non-json": "HTTP 200 with a plain-text body",
    "truncated": "a JSON body cut off before its announced Content-Length",
    "huge": f"a {HUGE // 1024 // 1024} MiB JSON body",
    "slow": "no answer until well after the request timeout",
    "garbage": "bytes that are not HTTP at all",
    "throttled": "a gateway answering every request 429 with Retry-After: 1 (never processed)",
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
        if mode == "throttled":
            body = b'{"message":"Too Many Requests"}'
            self.send_response(429)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
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


@contextmanager
def reset_every_other_connection(upstream: str) -> Iterator[str]:
    """A TCP proxy to `upstream` (http://host:port) that resets every other connection it accepts:
    it reads the request, then closes with RST (SO_LINGER 0), so the client sees the connection
    reset without an answer. The connections in between carry one request each to `upstream`
    (sent with `Connection: close`), so the next request opens the next connection: every
    other request is reset. Yields its URL."""
    host, port = upstream.split("//", 1)[1].rsplit(":", 1)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = 0
    stop = threading.Event()

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve() -> None:
        nonlocal accepted
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            accepted += 1
            if accepted % 2:
                client.settimeout(5)
                try:
                    client.recv(65536)  # the request, left unanswered
                except OSError:
                    pass
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
                continue
            head = b""
            try:
                client.settimeout(5)
                while b"\r\n\r\n" not in head and (chunk := client.recv(65536)):
                    head += chunk
                client.settimeout(None)
            except OSError:
                client.close()
                continue
            top, rest = head.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in head else (head, b"")
            lines = [h for h in top.split(b"\r\n") if not h.lower().startswith(b"connection:")]
            server = socket.create_connection((host, int(port)))
            server.sendall(b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + rest)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
