"""The collector's HTTP face, an ASGI application (Starlette) served by uvicorn.

No database call runs on the event loop: events go to the writer threads (chefwrap.collector.writer),
which commit many requests in one transaction; readers, erasures, the builder and the purge run on a
small thread pool of their own. POST /events, the request every shim sends, is a bare ASGI endpoint
(`EventsEndpoint`): no Request or Response object, which cost the server 20 to 40 µs a request.

Its routes are docs/collector.md's first table. Every view but /schema reads the aggregates only, under the privacy threshold of `min_sessions`
(chefwrap.collector.threshold). Every response carries the headers of chefwrap.collector.headers. One
exception handler answers a bad query (400) and a database that cannot be used (503, logged once an
outage: chefwrap.collector.health), as a page or as JSON, whichever the route answers.
"""

import asyncio
import contextlib
import gzip
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from chefwrap.collector import access, api, page, published, threshold
from chefwrap.collector.headers import SecurityHeaders
from chefwrap.collector.health import DatabaseHealth
from chefwrap.collector.validation import UUID, Invalid, events_in, json_schema
from chefwrap.collector.writer import BatchingWriter

MAX_BODY = 1024 * 1024
BUILD_EVERY = 30.0  # seconds between looks for days to build (readers build what they need at once)
PURGE_EVERY = 3600.0
READERS = 4
UNAVAILABLE = "the collector cannot use its database right now; ask again later"
log = logging.getLogger("chefwrap.collector")


class TooLarge(Exception):
    pass


class Gone(Exception):
    """The client went away before its body arrived: nobody to answer."""


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(
    store,
    writer=None,
    max_body: int = MAX_BODY,
    min_sessions: int = threshold.DEFAULT_MIN_SESSIONS,
    ingest_tokens: access.IngestTokens = None,
    build_every: float = BUILD_EVERY,
    purge_every: float = PURGE_EVERY,
):
    """The ASGI application. `writer`: anything with `async add(received) -> [accepted]`, start() and
    stop(); by default writer threads: one on SQLite, which takes one writer at a time; two on
    PostgreSQL, where one inserts while the other commits. `min_sessions`: K of the privacy threshold
    every public view obeys. `ingest_tokens`: the tokens POST /events requires (None: ingest open to
    anyone who can reach it)."""
    health = DatabaseHealth()
    writer = writer or BatchingWriter(store, threads=1 if store.sqlite else 2)
    readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="collector-reader")
    schema = json_schema()

    async def in_pool(doing: str, function, *args):
        """function(*args) on the pool; the database's trouble (store.errors) goes to `health`, then up."""
        try:
            result = await asyncio.get_running_loop().run_in_executor(readers, function, *args)
        except store.errors as problem:
            health.failed(problem, doing)
            raise
        health.worked()
        return result

    def reading(make, *args):
        """make(connection, *args) on a connection to the aggregates (stale days built first), and how
        long it took, in milliseconds."""
        started = time.perf_counter()
        with store.reading() as connection:
            result = make(connection, *args)
        return result, {"Server-Timing": f"app;dur={(time.perf_counter() - started) * 1000:.1f}"}

    async def refuse(request: Request, problem: Exception):
        """The one exception handler: a bad query is a 400, a database in trouble a 503."""
        status, message = (400, str(problem)) if isinstance(problem, api.BadQuery) else (503, UNAVAILABLE)
        if request.url.path == "/":
            return page.refusal(status, message)
        return error(status, message)

    async def get_page(request: Request):
        query = api.Query(request.query_params)
        if request.url.path == "/report" and query.format == "json":
            report, timing = await in_pool("reading", reading, published.report, query.days, None, min_sessions)
            return JSONResponse(report, headers=timing)
        html, timing = await in_pool("reading", reading, page.render, query, min_sessions)
        return compressed(request, html.encode(), "text/html; charset=utf-8", {**timing, "Content-Security-Policy": page.CONTENT_SECURITY_POLICY})

    async def get_api(request: Request):
        endpoint, _, kind = request.path_params["endpoint"].partition(".")
        if endpoint not in api.ENDPOINTS or kind not in ("", "csv"):
            return error(404, f"no such endpoint: /api/v1/{endpoint} (there are {', '.join(api.ENDPOINTS)}, each also as .csv, and export.csv)")
        answer, timing = await in_pool("reading", reading, api.answer, endpoint, api.Query(request.query_params), min_sessions)
        if kind == "csv":
            return Response(api.as_csv(api.table(answer)), media_type="text/csv; charset=utf-8", headers=timing)
        return compressed(request, JSONResponse(answer).body, "application/json", timing)

    async def get_export(request: Request):
        query = api.Query(request.query_params)
        lines = api.export_lines(store, query, min_sessions)
        try:  # the build and the first reads, before the status is sent: a database in trouble is a 503
            first = await in_pool("reading the export", next, lines, None)
        except store.errors:
            await asyncio.get_running_loop().run_in_executor(readers, lines.close)
            raise

        async def chunks():
            chunk = first
            try:
                while chunk is not None:
                    yield chunk.encode()
                    chunk = await in_pool("reading the export", next, lines, None)
            finally:  # the client may have gone: give the connection back
                await asyncio.get_running_loop().run_in_executor(readers, lines.close)

        name = f"chefwrap-{query.product or 'all'}-{query.days}-days.csv"
        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def delete_session(request: Request):
        session_id = request.path_params["session_id"]
        if not UUID.fullmatch(session_id):
            return error(400, "a session id is a UUID")
        key = request.headers.get("erase-key")
        if key is None:
            return error(403, "erasing a session takes the erase key its events were sent with (header Erase-Key); nothing was erased")
        try:
            proof = access.proves(access.erase_key_hash(key))
        except ValueError as problem:
            return error(400, str(problem))
        erased, held = await in_pool("erasing a session", store.erase_session, session_id, proof)
        if held and not erased:
            return error(403, "no event of this session was sent with that erase key; nothing was erased")
        return Response(status_code=204)

    async def get_schema(request: Request):
        return JSONResponse(schema)

    async def keep_up():
        """Build the days that became stale (a day ended, a late event came) and purge old events, regularly."""
        purged = 0.0
        while True:
            try:
                await in_pool("building the aggregates", store.build)
                if time.monotonic() - purged >= purge_every:
                    await in_pool("purging old events", store.purge)
                    purged = time.monotonic()
            except store.errors:
                pass  # said by `health`; the next turn tries again
            except Exception:
                log.exception("building or purging failed")
            await asyncio.sleep(build_every)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        writer.start()
        keeper = asyncio.create_task(keep_up())
        try:
            yield
        finally:
            keeper.cancel()
            writer.stop()
            readers.shutdown(wait=True)

    routes = [
        Route("/", get_page, methods=["GET"]),
        Route("/report", get_page, methods=["GET"]),
        Route("/api/v1/export.csv", get_export, methods=["GET"]),
        Route("/api/v1/{endpoint}", get_api, methods=["GET"]),
        Route("/events", EventsEndpoint(store, writer, max_body, ingest_tokens, health), methods=["POST"]),
        Route("/sessions/{session_id}", delete_session, methods=["DELETE"]),
        Route("/schema", get_schema, methods=["GET"]),
    ]
    handlers = dict.fromkeys((api.BadQuery, *store.errors), refuse)
    return SecurityHeaders(Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers))


class EventsEndpoint:
    """POST /events as a bare ASGI application. It reads three headers (the body's type and length, and
    with ingest tokens the Authorization; no other header, no address) and answers JSON: 201
    {"accepted", "duplicates"} (200 when all were replays), 400 naming the field, 401, 413, 415, 503."""

    def __init__(self, store, writer, max_body: int, ingest_tokens=None, health=None):
        self.store, self.writer, self.max_body = store, writer, max_body
        self.ingest_tokens, self.health = ingest_tokens, health or DatabaseHealth()

    async def __call__(self, scope, receive, send) -> None:
        try:
            status, answer = await self.answer(scope, receive)
        except Gone:
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="chefwrap collector"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def answer(self, scope, receive) -> tuple:
        content_type, declared, authorization = b"", b"", b""
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                declared = value
            elif name == b"authorization":
                authorization = value
        if self.ingest_tokens is not None and not self.ingest_tokens.allow(authorization):
            return 401, _error("posting events here takes an ingest token: Authorization: Bearer <token>")
        if content_type.split(b";")[0].strip().lower() != b"application/json":
            return 415, _error("send events as application/json")
        try:
            body = await read_body(receive, declared, self.max_body)
        except TooLarge:
            return 413, _error(f"the body is larger than {self.max_body} bytes")
        try:
            received = events_in(body)
        except Invalid as problem:
            return 400, _error(str(problem))
        try:
            accepted = await self.writer.add(received)
        except self.store.errors as problem:
            self.health.failed(problem, "storing events")
            return 503, _error("the collector cannot store events right now; send them again later")
        self.health.worked()
        new = sum(accepted)
        return (201 if new else 200), _encode({"accepted": new, "duplicates": len(accepted) - new})


_encode = msgspec.json.Encoder().encode


def _error(message: str) -> bytes:
    return _encode({"error": message})


async def read_body(receive, declared: bytes, limit: int) -> bytes:
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Gone()
        body += message.get("body", b"")
        if len(body) > limit:
            raise TooLarge()
        if not message.get("more_body", False):
            return body


def compressed(request: Request, body: bytes, media_type: str, headers: dict) -> Response:
    """The body gzipped when the client takes gzip and it is worth it."""
    headers = {**headers, "Vary": "Accept-Encoding"}
    if len(body) > 1000 and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=headers)
