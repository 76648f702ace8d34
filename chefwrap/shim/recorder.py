"""The recorder: a finished run becomes an event, out of the caller's way.

The shim forks it the moment the tool has exited and exits itself with the tool's status; the fork is
detached before it does anything else (chefwrap.shim.launcher.become_detached_recorder) and carries an
alarm that ends it, and what it execs, RECORDING_DEADLINE_SECONDS after the tool exited at the latest.

The fork keeps only names of the run (chefwrap.shim.recording.names_of) and execs this module afresh,
`python -IS chefwrap/isolated.py chefwrap.shim.recorder`, with those on its stdin: the values of the
tool's arguments are in no process's command line once the tool has gone, and the recorder imports the
libraries chefwrap was installed with (chefwrap.isolated), never the base interpreter's.
"""

import marshal
import sys

MAX_INPUT_BYTES = 64 * 1024  # names_of keeps far less: a command, at most MAX_OPTIONS names, a path


def start(run) -> None:
    """In the detached fork: hand the run's names to a fresh recorder process; never returns."""
    import posix

    from chefwrap import isolated
    from chefwrap.shim import recording

    kept = marshal.dumps(recording.names_of(run))
    read_end, write_end = posix.pipe()
    posix.write(write_end, kept)  # within a pipe's buffer (16 KiB at the least): never waits
    posix.close(write_end)
    posix.dup2(read_end, 0)
    posix.close(read_end)
    python = sys.executable
    posix.execve(python, isolated.command(python, __name__), run.environ)


def main() -> None:
    from chefwrap.shim import recording

    try:
        finished = marshal.loads(sys.stdin.buffer.read(MAX_INPUT_BYTES))
    except (EOFError, ValueError, TypeError):
        return
    import os

    recording.record(finished, dict(os.environb))


if __name__ == "__main__":
    main()
