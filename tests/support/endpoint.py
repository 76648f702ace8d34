"""A real HTTP server on a loopback port standing in for the telemetry endpoint, with fault injection;
as an HTTPS proxy it stands in for Chef's own endpoint, noting every tunnel asked of it.

Each request takes the next behaviour from a script (then the default): answer with a status (and
headers), answer after a delay, hang until released, reset the connection, or answer with garbage.
`dead_destination` gives the destinations that never take an event: a port that refuses connections,
a server that hangs or answers garbage, and a URL without a scheme.
"""

import contextlib
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Behaviour:
    def __init__(self, status=201, headers=None, delay=0.0, kind="answer"):
        self.status = status
        self.headers = headers or {}
        self.delay = delay
        self.kind = kind  # answer | hang | reset | garbage | trickle


ANSWER = Behaviour()
ERASED = Behaviour(status=204)


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.at = time.monotonic()

    @property
    def event(self):
        return json.loads(self.body)


class Endpoint:
    def __init__(self, port=0):
        self.requests = []
        self.script = []
        self.default = ANSWER
        self.on_delete = ERASED  # what DELETE /sessions/{id} answers
        self.on_get = ANSWER
        self.released = threading.Event()
        self.lock = threading.Condition()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                behaviour = endpoint._take(Request("POST", self.path, dict(self.headers), body))
                endpoint._behave(self, behaviour)

            def do_DELETE(self):
                endpoint._take(Request("DELETE", self.path, dict(self.headers), b""))
                endpoint._behave(self, endpoint.on_delete)

            def do_GET(self):
                endpoint._take(Request("GET", self.path, dict(self.headers), b""))
                endpoint._behave(self, endpoint.on_get)

            def do_CONNECT(self):
                """As a proxy: the tunnel a client asks for (`telemetry.chef.io:443`) is noted, never opened."""
                endpoint._take(Request("CONNECT", self.path, dict(self.headers), b""))
                endpoint._behave(self, Behaviour(status=502))

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def then(self, *behaviours):
        """Script the next requests' behaviours, in order."""
        with self.lock:
            self.script.extend(behaviours)
        return self

    def _take(self, request):
        with self.lock:
            self.requests.append(request)
            self.lock.notify_all()
            return self.script.pop(0) if self.script else self.default

    def _behave(self, handler, behaviour):
        if behaviour.kind == "hang":
            self.released.wait(120)
            handler.close_connection = True
            return
        if behaviour.kind == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            return
        if behaviour.kind == "trickle":  # an answer that never ends, a byte at a time
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            while not self.released.wait(0.2):
                try:
                    handler.wfile.write(b"x")
                    handler.wfile.flush()
                except OSError:
                    return
            return
        if behaviour.kind == "garbage":
            handler.wfile.write(b"\x00\xffthis is not HTTP at all\r\n\r\n")
            handler.close_connection = True
            return
        time.sleep(behaviour.delay)
        handler.send_response(behaviour.status)
        for name, value in behaviour.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def wait_for(self, count, timeout=20.0):
        """Wait until at least `count` requests have arrived; returns them all."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(self.requests)} requests arrived, {count} expected")
                self.lock.wait(remaining)
            return list(self.requests)

    def events(self):
        return [request.event for request in self.requests if request.method == "POST"]

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


DEAD_KINDS = ("refused", "hang", "garbage", "no-scheme")


@contextlib.contextmanager
def dead_destination(kind):
    """(url, the Endpoint behind it or None) for a destination that never takes an event."""
    if kind == "refused":
        yield closed_port_url(), None
    elif kind == "no-scheme":
        yield closed_port_url()[len("http://") :], None
    else:
        server = Endpoint()
        server.default = Behaviour(kind=kind)
        try:
            yield server.url, server
        finally:
            server.close()


def closed_port_url():
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def revived(url) -> "Endpoint":
    """The endpoint at `url` (a closed_port_url) answering again."""
    return Endpoint(port=int(url.rsplit(":", 1)[1]))
