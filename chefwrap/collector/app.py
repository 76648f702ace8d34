"""The collector's HTTP face, an ASGI application (Starlette) served by uvicorn.

No database call runs on the event loop: events go to the writer threads (chefwrap.collector.writer),
which commit many requests in one transaction; reports, erasures and the purge run on a small
thread pool of their own.

POST /events                 one event or a JSON array of them; 201 (or 200 when all were replays)
DELETE /sessions/{id}        erase every event of a session, and its part of the aggregates; 204
GET /report?days=N[&format=json]   the report, as a page or as JSON (from the aggregates only)
GET /schema                  the JSON Schema of what POST /events accepts
"""

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chefwrap.collector import report_format
from chefwrap.collector.validation import UUID, Invalid, events_in, json_schema
from chefwrap.collector.writer import BatchingWriter

MAX_BODY = 1024 * 1024
PURGE_EVERY = 3600.0
READERS = 4
log = logging.getLogger("chefwrap.collector")


class TooLarge(Exception):
    pass


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(store, writer=None, max_body: int = MAX_BODY, purge_every: float = PURGE_EVERY) -> Starlette:
    """`writer`: anything with `async add(received) -> [accepted]`, start() and stop(); by default writer
    threads: one on SQLite, which takes one writer at a time; two on PostgreSQL, where every transaction
    updates the same few rows of the day, so more threads mostly wait on each other (measured)."""
    writer = writer or BatchingWriter(store, threads=1 if store.sqlite else 2)
    readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="collector-reader")
    schema = json_schema()

    async def in_pool(function, *args):
        return await asyncio.get_running_loop().run_in_executor(readers, function, *args)

    async def post_events(request: Request):
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return error(415, "send events as application/json")
        try:
            body = await read_body(request, max_body)
        except TooLarge:
            return error(413, f"the body is larger than {max_body} bytes")
        try:
            received = events_in(body)
        except Invalid as problem:
            return error(400, str(problem))
        try:
            accepted = await writer.add(received)
        except store.errors:
            log.exception("storing events failed")
            return error(503, "the collector cannot store events right now; send them again later")
        new = sum(accepted)
        return JSONResponse({"accepted": new, "duplicates": len(accepted) - new}, status_code=201 if new else 200)

    async def delete_session(request: Request):
        session_id = request.path_params["session_id"]
        if not UUID.match(session_id):
            return error(400, "a session id is a UUID")
        try:
            await in_pool(store.erase_session, session_id)
        except store.errors:
            log.exception("erasing a session failed")
            return error(503, "the collector cannot erase right now; ask again later")
        return Response(status_code=204)

    async def get_report(request: Request):
        try:
            days = int(request.query_params.get("days", "30"))
            if not 0 < days <= 36500:
                raise ValueError
        except ValueError:
            return error(400, "days must be a whole number of days, 1 or more")
        report = await in_pool(store.report, days)
        if request.query_params.get("format") == "json":
            return JSONResponse(report)
        return HTMLResponse(report_format.as_html(report))

    async def get_schema(request: Request):
        return JSONResponse(schema)

    async def purge_regularly():
        while True:
            try:
                await in_pool(store.purge)
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
        Route("/events", post_events, methods=["POST"]),
        Route("/sessions/{session_id}", delete_session, methods=["DELETE"]),
        Route("/report", get_report, methods=["GET"]),
        Route("/schema", get_schema, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge()
    return bytes(body)
