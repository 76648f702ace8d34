"""A real pseudo-terminal driving a real program, for everything about terminals, Ctrl-C and prompts."""

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time


class Terminal:
    def __init__(self, argv, env, cwd=None, rows=24, columns=80):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                if cwd:
                    os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.resize(rows, columns)
        self.output = b""
        self.seen = 0  # expect() looks only at output after what it matched last

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def resize(self, rows: int, columns: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def read_available(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the program has gone
            return False
        self.output += chunk
        # Answer cursor position requests as a real terminal does (prompt_toolkit asks).
        for _ in range(chunk.count(b"\x1b[6n")):
            self.send(b"\x1b[1;1R")
        return bool(chunk)

    def expect(self, text: bytes, timeout: float = 20.0) -> bytes:
        """Wait until `text` appears after what was last matched; returns the output up to it."""
        deadline = time.monotonic() + timeout
        while True:
            index = self.output.find(text, self.seen)
            if index >= 0:
                before = self.output[self.seen : index]
                self.seen = index + len(text)
                return before
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (not self.read_available(min(remaining, 0.2)) and not self.alive()):
                raise AssertionError(f"timed out waiting for {text!r}; the terminal shows:\n{self.output.decode(errors='replace')}")

    def alive(self) -> bool:
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid:
            self.pid = None
            return False
        return True

    def wait(self, timeout: float = 20.0):
        """The program's wait status once it ends, draining the terminal meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = None
                return status
            self.read_available(0.05)
        raise AssertionError(f"the program did not end; the terminal shows:\n{self.output.decode(errors='replace')}")

    def close(self) -> None:
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        os.close(self.fd)
