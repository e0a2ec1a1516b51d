"""Local servers for the data loaders' tests: one that never answers, one that trickles, one that serves files
(tests/test_*data.py)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def silent_server(path: str = ""):
    """A server on 127.0.0.1 that accepts connections and never answers; yields its URL (base URL + ``path``)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/{path}"
    finally:
        stop.set()
        thread.join()
        for conn in held + [listener]:
            conn.close()


@contextmanager
def trickle_server(every_s: float = 0.1, stop_after_s: float = 8.0):
    """A server on 127.0.0.1 that answers with headers announcing 10 MB, then sends 100 bytes every ``every_s``
    seconds, and hangs up after ``stop_after_s``; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn = listener.accept()[0]
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n")
                    end = time.monotonic() + stop_after_s
                    while not stop.is_set() and time.monotonic() < end:
                        conn.sendall(b"x" * 100)
                        time.sleep(every_s)
                except OSError:
                    pass
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/slow.npz"
    finally:
        stop.set()
        thread.join()
        listener.close()


@contextmanager
def file_server(files: dict[str, bytes]):
    """A server on 127.0.0.1 that answers GET /<name> with ``files[name]``; yields its base URL and the paths asked."""
    asked = []
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = files.get(self.path.lstrip("/"))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")
        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", asked
    finally:
        server.shutdown()
        server.server_close()
