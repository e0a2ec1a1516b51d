"""A local server for the data tests: one that accepts connections and never answers (tests/test_*data.py)."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager


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
