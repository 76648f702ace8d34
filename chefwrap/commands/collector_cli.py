"""`chefwrap collector serve | report | migrate | erase`: a collector teams can run with one command."""

import json
import os
import signal
import socket


def run(args, env) -> int:
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from chefwrap.collector import schema_upgrade
        from chefwrap.collector.store import Store, database_url
    except ImportError:
        env.error(f"the collector needs its extra libraries: {install_hint()}")
        return 2
    missing = missing_sqlite_file(database_url(args.database)) if args.action in ("report", "erase") else None
    if missing:
        env.error(f"no collector database at {missing}: name the one `chefwrap collector serve` writes with --database")
        return 1
    try:
        store = Store(args.database, retain_days=getattr(args, "retain_days", None))
    except (SQLAlchemyError, OSError, ValueError, ImportError) as problem:  # a bad URL, no driver
        env.error(f"cannot open the database {args.database}: {first_line(problem)}")
        return 1
    try:
        return ACTIONS[args.action](args, env, store)
    except schema_upgrade.SchemaError as problem:
        env.error(str(problem))
        return 1
    except (SQLAlchemyError, OSError) as problem:  # no server, an unwritable file
        env.error(f"cannot open the database {args.database}: {first_line(problem)}")
        return 1
    finally:
        store.close()


def serve(args, env, store) -> int:
    import ssl

    import uvicorn

    from chefwrap.collector import access, schema_upgrade
    from chefwrap.collector.app import create_app
    from chefwrap.collector.connections import Limits

    if args.ssl_keyfile and not args.ssl_certfile:
        env.error("--ssl-keyfile needs --ssl-certfile (the certificate it is the key of)")
        return 2
    try:
        tokens = access.IngestTokens(args.ingest_tokens) if args.ingest_tokens else None
        limits = Limits.within_open_files(args.max_connections, args.header_timeout, args.body_timeout)
    except ValueError as problem:  # access.TokenFileError too
        env.error(str(problem))
        return 1
    before, after = schema_upgrade.upgrade(store)
    if before is not None and before != after:
        env.error(f"upgraded the database's schema from revision {before} to {after}")
    # No access log: the collector keeps no client address, not even in its output.
    config = uvicorn.Config(
        create_app(store, min_sessions=args.min_sessions, ingest_tokens=tokens),
        http=limits.protocol(),
        ws="none",  # no WebSocket route: an upgrade would leave the guard's count of connections behind
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    try:
        config.load()  # the certificate and key are read here: a problem is one line, not a traceback
    except (OSError, ssl.SSLError) as problem:
        env.error(f"cannot use the certificate {args.ssl_certfile}: {problem.strerror or problem}")
        return 1
    listener = listening_socket(args, env)
    if listener is None:
        return 1
    signal.signal(signal.SIGHUP, lambda *_: reload_tokens(tokens, env))  # a reload never stops the collector
    scheme = "https" if args.ssl_certfile else "http"
    env.error(
        f"collector listening on {scheme}://{args.host}:{listener.getsockname()[1]} (database: {shown_database(store.url)}, events kept {args.retain_days} days, "
        f"{threshold_said(args.min_sessions)}, {ingest_said(tokens)}, at most {limits.max_connections} connections)"
    )
    env.stderr.flush()
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def listening_socket(args, env):
    """The bound, listening socket, or None (said) when the address cannot be had."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without
    # it every keep-alive response waits 40 ms for a delayed ACK.
    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((args.host, args.port))
        listener.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    except OSError as problem:
        listener.close()
        env.error(f"cannot listen on {args.host}:{args.port}: {problem.strerror}")
        return None
    return listener


def reload_tokens(tokens, env) -> None:
    """SIGHUP: read the ingest tokens again; a file that cannot be used leaves them as they were."""
    from chefwrap.collector.access import TokenFileError

    if tokens is None:
        env.error("nothing to read again: ingest is open (no --ingest-tokens)")
        env.stderr.flush()
        return
    try:
        count = tokens.reload()
    except TokenFileError as problem:
        env.error(f"kept the {len(tokens.digests)} ingest token(s) in use: {problem}")
    else:
        env.error(f"read {count} ingest token(s) from {tokens.path}")
    env.stderr.flush()


def ingest_said(tokens) -> str:
    if tokens is None:
        return "ingest open to anyone who can reach it"
    return f"ingest with {len(tokens.digests)} token(s) from {tokens.path}"


def threshold_said(min_sessions: int) -> str:
    if min_sessions <= 1:
        return "every name shown: no privacy threshold"
    return f"a name shown for a period only when at least {min_sessions} sessions used it in that period"


def report(args, env, store) -> int:
    from chefwrap.collector import published, report_format, schema_upgrade

    schema_upgrade.require_current(store, args.database)
    with store.reading() as connection:
        data = published.report(connection, args.days, min_sessions=args.min_sessions, operator=True)
    env.say(json.dumps(data, indent=2) if args.json else report_format.as_text(data))
    return 0


def install_hint() -> str:
    """How to add the collector's libraries to this chefwrap: from the folder or URL it was installed
    from (pip records it, PEP 610), else from the package index."""
    from importlib import metadata
    from urllib.parse import unquote

    try:
        origin = json.loads(metadata.distribution("chefwrap").read_text("direct_url.json") or "{}").get("url", "")
    except (metadata.PackageNotFoundError, ValueError):
        origin = ""
    if origin.startswith("file://"):
        folder = unquote(origin[len("file://") :])
        if os.path.isfile(os.path.join(folder, "install.sh")):
            return f"sh {os.path.join(folder, 'install.sh')} --collector (as chefwrap was installed, with the collector's libraries)"
        return f"pip install '{folder}[collector]' (with pipx: pipx install --force '{folder}[collector]')"
    return "pip install 'chefwrap[collector]'"


def missing_sqlite_file(url: str):
    """The path of an SQLite database file that does not exist (a report must not create one); else None."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not os.path.exists(url[len(prefix) :]):
        return url[len(prefix) :]
    return None


def shown_database(url: str) -> str:
    """The database as the operator named it: the SQLite file, or the URL without its password."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def migrate(args, env, store) -> int:
    from chefwrap.collector import schema_upgrade

    before, after = schema_upgrade.upgrade(store)
    if before == after:
        env.say(f"The database's schema is at revision {after}, this collector's: nothing to do.")
    else:
        env.say(f"Upgraded the database's schema from revision {before or 'none (empty)'} to {after}.")
    return 0


def erase(args, env, store) -> int:
    """The operator's erasure: every event of the session, whatever hash it carries."""
    from chefwrap.collector import schema_upgrade

    schema_upgrade.require_current(store, args.database)
    erased, _ = store.erase_session(args.session)
    if erased:
        env.say(f"Erased the {erased} event(s) of session {args.session}, and their part of every aggregate.")
    else:
        env.say(f"The database holds no event of session {args.session}: nothing to erase.")
    return 0


def first_line(problem: Exception) -> str:
    return (str(problem).strip().splitlines() or [type(problem).__name__])[0]


ACTIONS = {"serve": serve, "report": report, "migrate": migrate, "erase": erase}
