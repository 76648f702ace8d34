"""First contact: the README's first command, `sh install.sh`, as a new user runs it on Debian 12 or
Ubuntu 24.04, without root, against the system python3, with pipx on PATH and without; then `chefwrap` in
every shell the user has, login or not. And the pieces it rests on: pip fetched from the package index
(tools/bootstrap_pip.py), the chefwrap command beside the shims, every shell set up and checked.

The system python3 is Debian's own, /usr/bin/python3, in a private mount namespace whose overlay on its
standard library holds PEP 668's EXTERNALLY-MANAGED and hides ensurepip, as on a Debian or Ubuntu without
python3-venv (checked first: `python3 -m pip install --user` is refused there, and `python3 -m venv` fails).
The package index is reached through this machine's pip configuration.
"""

import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

import chefwrap
from chefwrap.setup import shim_files

from support.world import NOBODY, PYTHON, REPO, as_user, shell_path, skel

REPOSITORY = REPO
SYSTEM_PYTHON = "/usr/bin/python3"
# What a checkout holds that install.sh needs; tests and benchmarks stay behind.
CHECKOUT = ("install.sh", "pyproject.toml", "README.md", "chefwrap", "shims", "completions", "tools")
LOGIN_PATH = "/usr/local/bin:/usr/bin:/bin"  # a new login's PATH on Debian: no ~/.local/bin, no virtual environment
MARKER_AS_ON_DEBIAN = """[externally-managed]
Error=To install Python packages system-wide, try apt install
 python3-xyz, where xyz is the package you are trying to
 install.
"""


class SystemPython:
    """Debian's python3 as a fresh Debian 12 or Ubuntu 24.04 has it: externally managed, no ensurepip."""

    def __init__(self, layer: Path, stdlib: str):
        self.layer = layer
        self.stdlib = stdlib

    def command(self, argv) -> list:
        """`argv` in a private mount namespace where the overlay is on the standard library."""
        mount = 'mount -t overlay overlay -o "lowerdir=$1:$2" "$2" && shift 2 && exec "$@"'
        return [shutil.which("unshare"), "--mount", "--propagation", "private", "--", "sh", "-c", mount, "sh", str(self.layer), self.stdlib, *argv]


@pytest.fixture(scope="session")
def system_python(tmp_path_factory) -> SystemPython:
    """Built once a session: the overlay's top layer, EXTERNALLY-MANAGED and a whiteout over ensurepip."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.fail(f"{SYSTEM_PYTHON} is missing: tests/run installs Debian's python3-pip, which brings it")
    stdlib = subprocess.run([SYSTEM_PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], capture_output=True, text=True, check=True).stdout.strip()
    layer = tmp_path_factory.mktemp("debian-stdlib")
    marker = Path(stdlib) / "EXTERNALLY-MANAGED"
    (layer / "EXTERNALLY-MANAGED").write_text(marker.read_text() if marker.exists() else MARKER_AS_ON_DEBIAN)
    os.mknod(layer / "ensurepip", 0o600 | 0o020000, os.makedev(0, 0))  # overlayfs's whiteout: the folder is gone
    return SystemPython(layer, stdlib)


def folder_others_can_reach(prefix: str) -> Path:
    """A new folder under /tmp that another user can reach: the tests' own temporary folders are root's
    alone, and access(2), which pip and the shells use, does not honour that user's read-and-search power."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    return root


@pytest.fixture(scope="session")
def pipx_folder():
    """A folder holding pipx alone, installed from the package index once a session into a virtual
    environment of the tests' Python (as pipx on a Python of its own, Homebrew's say: Debian's pipx
    package brings python3-venv, which this system python3 is without)."""
    root = folder_others_can_reach("chefwrap-pipx-")
    try:
        subprocess.run([PYTHON, "-m", "venv", str(root / "venv")], check=True, capture_output=True)
        installed = subprocess.run([str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", "pipx"], capture_output=True, text=True)
        assert installed.returncode == 0, installed.stderr
        (root / "bin").mkdir()
        (root / "bin" / "pipx").symlink_to(root / "venv" / "bin" / "pipx")
        yield root / "bin"
    finally:
        shutil.rmtree(root)


@pytest.fixture
def newcomer():
    """An unprivileged user's home with Debian's bash start-up files, a .zshrc and a config.fish, and a
    checkout of chefwrap in it, owned by that user."""
    root = folder_others_can_reach("chefwrap-newcomer-")
    try:
        yield home_with_a_checkout(root / "home")
    finally:
        shutil.rmtree(root)


def home_with_a_checkout(home: Path) -> Path:
    home.mkdir()
    for name in (".bashrc", ".profile"):
        (home / name).write_bytes(skel(name))
    (home / ".zshrc").write_text("setopt histignorealldups\n")
    (home / ".config" / "fish").mkdir(parents=True)
    (home / ".config" / "fish" / "config.fish").write_text("set -g fish_greeting\n")
    (home / ".local" / "share" / "fish" / "generated_completions").mkdir(parents=True)  # else fish's first prompt makes them in the background
    checkout = home / "chefwrap"
    checkout.mkdir()
    for name in CHECKOUT:
        source = REPOSITORY / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, checkout / name)
    for folder, folders, files in os.walk(home):
        for name in [folder, *(os.path.join(folder, entry) for entry in folders + files)]:
            os.lchown(name, NOBODY, NOBODY)
    return home


def environment(home: Path, path: str) -> dict:
    """A new login's environment: the machine's pip configuration (PIP_* variables) and nothing of ours."""
    pip = {name: value for name, value in os.environ.items() if name.startswith("PIP_")}
    return dict(pip, HOME=str(home), PATH=path, LANG="C.UTF-8", SHELL="/bin/bash", USER="nobody", LOGNAME="nobody")


def run(argv, env, cwd, timeout=300):
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, start_new_session=True)


SHELLS = [
    ("bash", ["-i", "-c"]),  # a terminal window
    ("bash", ["-l", "-c"]),  # a console, `ssh host`, a login script
    ("zsh", ["-c"]),
    ("zsh", ["-i", "-c"]),
    ("zsh", ["-l", "-c"]),
    ("fish", ["-c"]),
    ("fish", ["-l", "-c"]),
]


@pytest.fixture(scope="session")
def this_machines_python(tmp_path_factory) -> Path:
    """A folder holding python3 alone: the tests' base interpreter, as a user of this machine has it."""
    folder = tmp_path_factory.mktemp("this-machine")
    (folder / "python3").symlink_to(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    return folder


@pytest.mark.parametrize(
    "on_debian, with_pipx",
    [
        pytest.param(True, False, id="debian-without-pipx"),
        pytest.param(True, True, id="debian-with-pipx-and-the-collector"),
        pytest.param(False, False, id="this-machine-as-root"),
    ],
)
def test_the_one_command_sets_chefwrap_up_and_every_shell_runs_it(request, newcomer, on_debian, with_pipx):
    """On Debian as an unprivileged user, with pipx (and `--collector`, which the README's collector
    paragraph installs so) and without; and on this machine as root, where python3 has ensurepip."""
    if on_debian:
        as_them = as_user(NOBODY)
        on_their_machine = request.getfixturevalue("system_python").command
        path = f"{request.getfixturevalue('pipx_folder')}:{LOGIN_PATH}" if with_pipx else LOGIN_PATH
    else:
        as_them = []
        on_their_machine = list
        path = f"{request.getfixturevalue('this_machines_python')}:{LOGIN_PATH}"
    env = environment(newcomer, path)
    if on_debian:
        # The system Python is what a fresh Debian's is: PEP 668 refuses `pip install --user`, and there is no
        # ensurepip, so `python3 -m venv` fails.
        check = "python3 -m pip install --user --no-index six; echo pip=$?; python3 -m venv ~/any; echo venv=$?"
        checked = run(on_their_machine(as_them + ["sh", "-c", check]), env, newcomer)
        assert "error: externally-managed-environment" in checked.stderr and "pip=1" in checked.stdout, checked
        assert "ensurepip is not" in checked.stdout + checked.stderr and "venv=1" in checked.stdout, checked
    assert (shutil.which("pipx", path=path) is not None) == with_pipx

    options = ["--collector"] if with_pipx else []
    result = run(on_their_machine(as_them + ["sh", str(newcomer / "chefwrap" / "install.sh"), *options]), env, newcomer)
    assert result.returncode == 0, result.stdout + result.stderr
    if with_pipx:
        assert "Installing chefwrap[collector] with pipx" in result.stdout
        expected_python = newcomer / ".local" / "share" / "pipx" / "venvs" / "chefwrap" / "bin" / "python"
    else:
        bootstrapped = "python3 has no ensurepip (on Debian and Ubuntu it comes with python3-venv): pip comes from the package index instead."
        assert (bootstrapped in result.stdout) == on_debian, result.stdout
        expected_python = newcomer / ".local" / "share" / "chefwrap" / "venv" / "bin" / "python"
    assert "Set up bash (your login shell" in result.stdout, result.stdout
    for start_up_file in (".bashrc", ".profile", ".zshenv", ".zshrc", ".config/fish/conf.d/chefwrap.fish"):
        assert "# >>> chefwrap >>>" in (newcomer / start_up_file).read_text(), start_up_file

    # Every shell the user has runs chefwrap, from the login PATH alone (no ~/.local/bin there).
    command = newcomer / ".chefwrap" / "shims" / "chefwrap"
    for shell, flags in SHELLS:
        ran = run(as_them + [shell_path(shell), *flags, "command -v chefwrap; chefwrap --version"], environment(newcomer, LOGIN_PATH), newcomer, 60)
        assert ran.stdout.splitlines() == [str(command), f"chefwrap {chefwrap.__version__}"], (shell, flags, ran)
    assert f"exec '{expected_python}' -IS " in command.read_text()
    assert sorted(shim_files.installed(command.parent)) == ["chef", "kitchen", "knife"]  # not a tool's shim
    status = run(as_them + [shell_path("zsh"), "-c", "chef telemetry status"], environment(newcomer, LOGIN_PATH), newcomer, 60)
    assert status.returncode == 0 and status.stdout.startswith("Data sharing: not decided yet"), status
    if with_pipx:
        collector = "chefwrap collector migrate --database ~/c.sqlite3 && chefwrap collector report --database ~/c.sqlite3"
        report = run(as_them + [shell_path("bash"), "-l", "-c", collector], environment(newcomer, LOGIN_PATH), newcomer, 120)
        assert report.returncode == 0 and "0 events" in report.stdout, report


# pip from the package index, for a Python without ensurepip


def bootstrap_pip():
    sys.path.insert(0, str(REPOSITORY / "tools"))
    try:
        import bootstrap_pip
    finally:
        sys.path.remove(str(REPOSITORY / "tools"))
    return bootstrap_pip


INDEX_PAGE = """<!DOCTYPE html><html><body>
<a href="../../packages/pip-23.0.1-py3-none-any.whl#sha256=aaa1" data-requires-python="&gt;=3.7">pip-23.0.1-py3-none-any.whl</a><br/>
<a href="../../packages/pip-24.0.tar.gz#sha256=bbb2" data-requires-python="&gt;=3.7">pip-24.0.tar.gz</a><br/>
<a href="https://files.example/pip-24.0-py3-none-any.whl#sha256=ccc3" data-requires-python="&gt;=3.7">pip-24.0-py3-none-any.whl</a><br/>
<a href="https://files.example/pip-24.0.post1-py3-none-any.whl#sha256=ddd4" data-requires-python="&gt;=3.7, !=3.8.*">pip-24.0.post1-py3-none-any.whl</a><br/>
<a href="https://files.example/pip-24.1b1-py3-none-any.whl#sha256=eee5" data-requires-python="&gt;=3.8">pip-24.1b1-py3-none-any.whl</a><br/>
<a href="https://files.example/pip-24.2-py3-none-any.whl#sha256=fff6" data-requires-python="&gt;=3.8" data-yanked="broken">pip-24.2-py3-none-any.whl</a><br/>
<a href="https://files.example/pip-24.3-py3-none-any.whl" data-requires-python="&gt;=3.8">pip-24.3-py3-none-any.whl</a><br/>
<a href="https://files.example/pip-25.0-py3-none-any.whl#sha256=0007" data-requires-python="&gt;=3.10">pip-25.0-py3-none-any.whl</a><br/>
</body></html>
"""


@pytest.mark.parametrize(
    "python, expected",
    [
        ((3, 12, 1), ("https://files.example/pip-25.0-py3-none-any.whl", "0007")),
        ((3, 9, 18), ("https://files.example/pip-24.0.post1-py3-none-any.whl", "ddd4")),  # a post-release is newer
        ((3, 8, 10), ("https://files.example/pip-24.0-py3-none-any.whl", "ccc3")),  # != 3.8.*
        ((3, 6, 15), None),
    ],
)
def test_bootstrap_takes_the_newest_verifiable_pip_wheel_for_this_python(python, expected):
    """Never a pre-release, a yanked file, a source archive or a file without a hash to check it by."""
    assert bootstrap_pip().newest_wheel(INDEX_PAGE, "https://index.example/simple/pip/", python) == expected


def test_bootstrap_resolves_a_relative_link_against_the_index_page():
    page = INDEX_PAGE.split("<a href=\"https")[0] + "</body></html>"
    found = bootstrap_pip().newest_wheel(page, "https://index.example/simple/pip/", (3, 11, 2))
    assert found == ("https://index.example/packages/pip-23.0.1-py3-none-any.whl", "aaa1")


def test_bootstrap_refuses_a_python_that_is_not_a_virtual_environments():
    result = subprocess.run([SYSTEM_PYTHON if os.path.exists(SYSTEM_PYTHON) else sys._base_executable, str(REPOSITORY / "tools" / "bootstrap_pip.py")], capture_output=True, text=True)
    assert result.returncode == 2 and "never a system's" in result.stderr


def test_under_sudo_the_one_command_refuses_and_writes_nothing(newcomer):
    """`sudo sh install.sh` would set chefwrap up for root, in root's home and shells."""
    before = sorted(str(path) for path in newcomer.rglob("*"))
    env = dict(environment(newcomer, LOGIN_PATH), SUDO_USER="newcomer")
    result = run(["sh", str(newcomer / "chefwrap" / "install.sh")], env, newcomer, 60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "install.sh: run this as yourself, without sudo: it needs no root, and would set chefwrap up for root instead of newcomer\n"
    assert sorted(str(path) for path in newcomer.rglob("*")) == before


class Index(http.server.BaseHTTPRequestHandler):
    """A package index on loopback whose pip wheel is not the one its page names by hash."""

    wheel = b"PK\x05\x06" + bytes(18)  # an empty zip
    page = '<a href="/files/pip-99.0-py3-none-any.whl#sha256={digest}">pip-99.0-py3-none-any.whl</a>'

    def do_GET(self):
        if self.path == "/simple/pip/":
            body = self.page.format(digest=hashlib.sha256(b"the genuine wheel").hexdigest()).encode()
        elif self.path == "/files/pip-99.0-py3-none-any.whl":
            body = self.wheel
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_bootstrap_installs_no_pip_whose_hash_is_not_the_indexs(tmp_path):
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = dict(os.environ, PIP_INDEX_URL=f"http://127.0.0.1:{server.server_port}/simple", HOME=str(tmp_path))
        result = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), str(REPOSITORY / "tools" / "bootstrap_pip.py")], env=env, capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    assert result.stderr == f"bootstrap_pip.py: http://127.0.0.1:{server.server_port}/files/pip-99.0-py3-none-any.whl does not match the sha256 its index gives; nothing installed\n"
    assert not list((tmp_path / "venv").glob("lib/python*/site-packages/pip"))
