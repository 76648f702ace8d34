"""A real PostgreSQL server in a temporary folder, for the collector's tests and benchmark.

PostgreSQL refuses to run as root, so as root it runs as the `postgres` user Debian's package creates.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BINARIES = [Path("/usr/lib/postgresql") / version / "bin" for version in ("17", "16", "15", "14", "13")]


def binary(name: str) -> str:
    for folder in BINARIES:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian package postgresql; see tests/run)")
    return found


class Server:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="chefwrap-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.user = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("postgres")
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self._run([binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        self.start()

    def start(self):
        """Start the server on its data folder and port (again, after `stop_server`)."""
        log = open(self.folder / "log", "ab")
        self.process = subprocess.Popen(
            self._as_owner([binary("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1", "-k", str(self.folder), "-c", "fsync=off", "-c", "synchronous_commit=off"]),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _as_owner(self, argv):
        if self.user is None:
            return argv
        return ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--clear-groups", *argv]

    def _run(self, argv):
        subprocess.run(self._as_owner(argv), check=True, capture_output=True)

    def _wait_until_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run([binary("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True).returncode == 0:
                return
            if self.process.poll() is not None:
                raise RuntimeError((self.folder / "log").read_text())
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def url(self, database="postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop_server(self):
        """Stop the server, keeping its data (`start` brings it back): a fast shutdown (SIGINT), which
        ends the sessions still connected, as a crash or a restart of the server does for a client."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stop(self):
        self.stop_server()
        shutil.rmtree(self.folder, ignore_errors=True)
