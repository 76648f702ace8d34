"""Connections a hostile client cannot hoard: a cap on how many are open, and deadlines for a request.

uvicorn closes a kept-alive connection idle between requests (`timeout_keep_alive`), but puts no
deadline on a request's head or body: a client that opens a connection and sends half a header keeps
it, and some 20,000 of them exhaust the open-file limit, after which every real request gets an empty
reply. Its own cap (`limit_concurrency`) answers 503 to new requests once that many connections are
open, so half-open connections would still starve real clients. So the collector's HTTP protocol is
uvicorn's (httptools) with:

- a deadline for the head (`header_timeout`, from the connection's start or the end of the previous
  response) and one for the body (`body_timeout`, from the end of the head): past it, the connection
  is closed (with a 408 when part of a request came);
- a head of at most MAX_HEAD bytes (431 beyond);
- at most `max_connections` open at once: when one more arrives, the oldest connection that has not
  sent a whole request (half-open, trickling, or idle between requests) is closed to make room. A
  connection whose request is complete is never closed for room: its client is waiting for an answer.
  A half-open connection is never the newest for long, so real clients, which send a request as soon
  as they connect, get through however many an attacker opens.

Under TLS (`--ssl-certfile`) a connection counts from the end of its handshake; asyncio bounds a
handshake to 60 s. What needs a reverse proxy is in docs/collector.md.
"""

import functools

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD = 64 * 1024
SWEEP_EVERY = 0.25  # seconds between looks for connections past their deadline
RESERVED_FILES = 128  # of the open-file limit, for the database's connections and files, logs, the listener


class Limits:
    """The cap and deadlines, and the connections they apply to (one event loop: no lock)."""

    def __init__(self, max_connections: int, header_timeout: float, body_timeout: float):
        self.max_connections, self.header_timeout, self.body_timeout = max_connections, header_timeout, body_timeout
        self.open = 0
        self.waiting = {}  # connections without a whole request, oldest first (a dict keeps insertion order)
        self.closed_for_room = 0
        self.sweeping = False

    @classmethod
    def within_open_files(cls, max_connections: int, header_timeout: float, body_timeout: float) -> "Limits":
        """Limits whose cap leaves RESERVED_FILES of the process's open-file limit free."""
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY:
            max_connections = min(max_connections, soft - RESERVED_FILES)
        if max_connections < 1:
            raise ValueError(f"the open-file limit ({soft}) leaves no room for connections: raise it (ulimit -n, or LimitNOFILE= in a systemd unit)")
        return cls(max_connections, header_timeout, body_timeout)

    def protocol(self):
        """The protocol class for uvicorn.Config(http=...)."""
        return functools.partial(GuardedProtocol, limits=self)

    def admit(self, connection) -> bool:
        """Count a new connection; close the oldest waiting one if that passes the cap. False when
        there is no room at all (every other connection's request is being answered)."""
        if not self.sweeping:
            self.sweeping = True
            connection.loop.call_later(SWEEP_EVERY, self.sweep, connection.loop)
        self.open += 1
        if self.open <= self.max_connections:
            return True
        oldest = next(iter(self.waiting), None)
        if oldest is None:
            return False
        oldest.close_for_room()
        self.closed_for_room += 1
        return True

    def left(self, connection) -> None:
        self.open -= 1
        self.waiting.pop(connection, None)

    def sweep(self, loop) -> None:
        """Close what is past its deadline. One timer for all: a timer a request (uvloop's call_later)
        cost 15 µs, a tenth of what the collector spends on a one-event post."""
        now = loop.time()
        for connection in [connection for connection in self.waiting if connection.deadline <= now]:
            connection.expired()
        loop.call_later(SWEEP_EVERY, self.sweep, loop)


HEAD, BODY = "head", "body"  # what a connection is receiving; None once its request is whole


class GuardedProtocol(HttpToolsProtocol):
    def __init__(self, *args, limits: Limits, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.deadline = float("inf")  # on the loop's clock; looked at only while in `limits.waiting`
        self.receiving = HEAD
        self.head_bytes = 0
        self.counted = False

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.counted = True
        if not self.limits.admit(self):
            self._close()
            return
        self._await_request()

    def connection_lost(self, exc) -> None:
        if self.counted:
            self.counted = False
            self.limits.left(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.receiving is HEAD:
            self.head_bytes += len(data)
        super().data_received(data)
        if self.receiving is HEAD and self.head_bytes > MAX_HEAD and not self.transport.is_closing():
            self._refuse(431, "Request Header Fields Too Large", f"a request's head is at most {MAX_HEAD} bytes")

    def on_headers_complete(self) -> None:
        self.receiving = BODY
        self._arm(self.limits.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.receiving = None
        self.limits.waiting.pop(self, None)  # a whole request: its client waits for the answer
        if self.cycle is not None and self.cycle.response_complete and not self.pipeline:  # answered before its body ended
            self._await_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.receiving is None and not self.pipeline and not self.transport.is_closing():
            self._await_request()

    def close_for_room(self) -> None:
        self.limits.waiting.pop(self, None)
        self._close()

    def _await_request(self) -> None:
        self.receiving, self.head_bytes = HEAD, 0
        self.limits.waiting.pop(self, None)
        self.limits.waiting[self] = None  # the newest again
        self._arm(self.limits.header_timeout)

    def _arm(self, seconds: float) -> None:
        self.deadline = self.loop.time() + seconds

    def expired(self) -> None:
        if self.receiving is HEAD and self.head_bytes:
            self._refuse(408, "Request Timeout", "the request's head did not arrive in time")
        else:  # nothing asked yet, or a body too slow (the application sees its client leave)
            self._close()

    def _refuse(self, status: int, reason: str, message: str) -> None:
        body = b'{"error": "%s"}' % message.encode()
        head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n"
        self.transport.write(head % (status, reason.encode(), len(body)) + body)
        self._close()

    def _close(self) -> None:
        self.limits.waiting.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()
