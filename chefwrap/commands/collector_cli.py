"""`chefwrap collector serve | report | migrate`: a collector teams can run with one command."""

import json
import socket

MISSING = "the collector needs its extra libraries: pip install 'chefwrap[collector]'"


def run(args, env) -> int:
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from chefwrap.collector import schema_upgrade
        from chefwrap.collector.store import Store
    except ImportError:
        env.error(MISSING)
        return 2
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
    import uvicorn

    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.app import create_app

    before, after = schema_upgrade.upgrade(store)
    if before is not None and before != after:
        env.error(f"upgraded the database's schema from revision {before} to {after}")
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without
    # it every keep-alive response waits 40 ms for a delayed ACK.
    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((args.host, args.port))
        listener.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    except OSError as problem:
        env.error(f"cannot listen on {args.host}:{args.port}: {problem.strerror}")
        return 1
    port = listener.getsockname()[1]
    # No access log: the collector keeps no client address, not even in its output.
    config = uvicorn.Config(
        create_app(store),
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    env.error(f"collector listening on http://{args.host}:{port} (database: {store.url.split('://')[0]}, events kept {args.retain_days} days)")
    env.stderr.flush()
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def report(args, env, store) -> int:
    from chefwrap.collector import report_format, schema_upgrade

    schema_upgrade.require_current(store, args.database)
    data = store.report(args.days)
    env.say(json.dumps(data, indent=2) if args.json else report_format.as_text(data))
    return 0


def migrate(args, env, store) -> int:
    from chefwrap.collector import schema_upgrade

    before, after = schema_upgrade.upgrade(store)
    if before == after:
        env.say(f"The database's schema is at revision {after}, this collector's: nothing to do.")
    else:
        env.say(f"Upgraded the database's schema from revision {before or 'none (empty)'} to {after}.")
    return 0


def first_line(problem: Exception) -> str:
    return (str(problem).strip().splitlines() or [type(problem).__name__])[0]


ACTIONS = {"serve": serve, "report": report, "migrate": migrate}
