"""The collector: receives events over HTTP, stores them, reports on them and erases them on request.

An optional part of chefwrap (`pip install 'chefwrap[collector]'`): its libraries (Starlette, uvicorn,
SQLAlchemy, psycopg) are imported only here, never by the shims or the rest of the command line.
"""
