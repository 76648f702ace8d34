"""The collector's HTTP face, an ASGI application (Starlette) served by uvicorn.

No database call runs on the event loop: events go to the writer threads (chefwrap.collector.writer),
which commit many requests in one transaction; reports, erasures and the purge run on a small
thread pool of their own. POST /events, the request every shim sends, is a bare ASGI endpoint
(`EventsEndpoint`): no Request or Response object, which cost the server 20 to 40 µs a request.

POST /events                 one event or a JSON array of them; 201 (or 200 when all were replays);
                             with ingest tokens, only with `Authorization: Bearer <token>` (401)
DELETE /sessions/{id}        with `Erase-Key: <key>`: erase the session's events sent with that key's
                             hash, and their part of the aggregates; 204, or 403 erasing nothing
GET /                        the page: trends, rankings, totals (chefwrap.collector.dashboard)
GET /api/v1/...              the same data as JSON, and export.csv (chefwrap.collector.api)
GET /report?days=N[&format=json]   the report, as a page or as JSON
GET /schema                  the JSON Schema of what POST /events accepts

Every view but /schema reads the aggregates only, under the privacy threshold of `min_sessions`
(chefwrap.collector.threshold). Every response carries the headers of chefwrap.collector.headers. A
database that cannot be used is a 503, logged once an outage (chefwrap.collector.health).
"""

import asyncio
import contextlib
import gzip
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from html import escape

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from chefwrap.collector import access, api, dashboard, published, report_format, threshold
from chefwrap.collector.headers import SecurityHeaders
from chefwrap.collector.health import DatabaseHealth
from chefwrap.collector.validation import UUID, Invalid, events_in, json_schema
from chefwrap.collector.writer import BatchingWriter

MAX_BODY = 1024 * 1024
PURGE_EVERY = 3600.0
READERS = 4
log = logging.getLogger("chefwrap.collector")


UNAVAILABLE = "the collector cannot read its database right now; ask again later"


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
    purge_every: float = PURGE_EVERY,
    min_sessions: int = threshold.DEFAULT_MIN_SESSIONS,
    ingest_tokens: access.IngestTokens = None,
):
    """The ASGI application. `writer`: anything with `async add(received) -> [accepted]`, start() and
    stop(); by default writer threads that also fold: one on SQLite, which takes one writer at a time;
    two on PostgreSQL, where one inserts a batch while the other counts its own (measured: 21,000 against
    15,800 events/s in batches of 1,000, and no slower one event a request).
    `min_sessions`: K of the privacy threshold every public view obeys.
    `ingest_tokens`: the tokens POST /events requires (None: ingest open to anyone who can reach it)."""
    health = DatabaseHealth()
    writer = writer or BatchingWriter(store, threads=1 if store.sqlite else 2, health=health)
    readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="collector-reader")
    schema = json_schema()

    async def in_pool(function, *args):
        return await asyncio.get_running_loop().run_in_executor(readers, function, *args)

    async def using_database(doing: str, function, *args):
        """function(*args) on the pool; the database's trouble (store.errors) goes to `health`, then up."""
        try:
            result = await in_pool(function, *args)
        except store.errors as problem:
            health.failed(problem, doing)
            raise
        health.worked()
        return result

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
        try:
            erased, held = await using_database("erasing a session", store.erase_session, session_id, proof)
        except store.errors:
            return error(503, "the collector cannot erase right now; ask again later")
        if held and not erased:
            return error(403, "no event of this session was sent with that erase key; nothing was erased")
        return Response(status_code=204)

    def reading(make, *args):
        """Run make(connection, *args) on a connection to the aggregates (pending events folded first),
        with how long it took, in milliseconds."""
        started = time.perf_counter()
        with store.reading() as connection:
            result = make(connection, *args)
        return result, (time.perf_counter() - started) * 1000

    async def read(make, *args):
        return await using_database("reading the aggregates", reading, make, *args)

    async def get_report(request: Request):
        try:
            days = api.whole_days(request.query_params.get("days"))
            kind = api.report_kind(request.query_params)
        except api.BadQuery as problem:
            return error(400, str(problem))
        try:
            report, took = await read(published.report, days, None, min_sessions)
        except store.errors:
            return error(503, UNAVAILABLE)
        timing = {"Server-Timing": f"app;dur={took:.1f}"}
        if kind == "json":
            return JSONResponse(report, headers=timing)
        return HTMLResponse(report_format.as_html(report), headers={**timing, "Content-Security-Policy": report_format.CONTENT_SECURITY_POLICY})

    async def get_page(request: Request):
        try:
            query = api.Query(request.query_params)
        except api.BadQuery as problem:
            return HTMLResponse(f"<!doctype html><title>Bad request</title><p>{escape(str(problem))}</p>", status_code=400)
        choice = dashboard.Choice(query.days, query.product, query.command)
        try:
            html, took = await read(dashboard.page, choice, min_sessions)
        except store.errors:
            return HTMLResponse(f"<!doctype html><title>Unavailable</title><p>{UNAVAILABLE}</p>", status_code=503)
        headers = {"Content-Security-Policy": dashboard.CONTENT_SECURITY_POLICY, "Server-Timing": f"app;dur={took:.1f}"}
        return compressed(request, html.encode(), "text/html; charset=utf-8", headers)

    async def get_api(request: Request):
        endpoint = request.path_params["endpoint"]
        if endpoint not in api.ENDPOINTS:
            return error(404, f"no such endpoint: /api/v1/{endpoint} (there are {', '.join(api.ENDPOINTS)} and export.csv)")
        try:
            query = api.Query(request.query_params)
        except api.BadQuery as problem:
            return error(400, str(problem))
        try:
            answer, took = await read(api.answer, endpoint, query, min_sessions)
        except store.errors:
            return error(503, UNAVAILABLE)
        body = JSONResponse(answer).body
        return compressed(request, body, "application/json", {"Server-Timing": f"app;dur={took:.1f}"})

    async def get_export(request: Request):
        try:
            query = api.Query(request.query_params)
        except api.BadQuery as problem:
            return error(400, str(problem))
        lines = api.export_lines(store, query, min_sessions)
        try:  # the fold and the first reads, before the status is sent: a database in trouble is a 503
            first = await using_database("reading the export", next, lines, None)
        except store.errors:
            await in_pool(lines.close)
            return error(503, UNAVAILABLE)

        async def chunks():
            chunk = first
            try:
                while chunk is not None:
                    yield chunk.encode()
                    chunk = await using_database("reading the export", next, lines, None)
            finally:  # the client may have gone: give the connection back
                await in_pool(lines.close)

        name = f"chefwrap-{query.product or 'all'}-{query.days}-days.csv"
        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def get_schema(request: Request):
        return JSONResponse(schema)

    async def purge_regularly():
        while True:
            try:
                await using_database("purging old events", store.purge)
            except store.errors:
                pass  # said by `health`; the next turn tries again
            except Exception:
                log.exception("purging old events failed")
            await asyncio.sleep(purge_every)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        writer.start()
        purger = asyncio.create_task(purge_regularly())
        try:
            yield
        finally:
            purger.cancel()
            writer.stop()
            readers.shutdown(wait=True)

    routes = [
        Route("/", get_page, methods=["GET"]),
        Route("/api/v1/export.csv", get_export, methods=["GET"]),
        Route("/api/v1/{endpoint}", get_api, methods=["GET"]),
        Route("/events", EventsEndpoint(store, writer, max_body, ingest_tokens, health), methods=["POST"]),
        Route("/sessions/{session_id}", delete_session, methods=["DELETE"]),
        Route("/report", get_report, methods=["GET"]),
        Route("/schema", get_schema, methods=["GET"]),
    ]
    return SecurityHeaders(Starlette(routes=routes, lifespan=lifespan))


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
