"""Puts pip into a virtual environment made without it, from the package index: what install.sh runs
when the Python it starts from has no ensurepip (Debian's and Ubuntu's python3 without python3-venv).

    VENV/bin/python tools/bootstrap_pip.py

It reads the index's page for pip (PEP 503: PIP_INDEX_URL, else `index-url` in pip's configuration files,
else PyPI), takes the newest pip wheel that is neither a pre-release nor yanked and that supports this
Python, checks it against the hash the index gives, and lets that wheel install itself
(`python pip.whl/pip install pip.whl`: a wheel of pip runs from its zip). Standard library only: there is
no pip yet. It installs nothing outside this Python's own environment, and refuses to run outside a
virtual environment.
"""

import configparser
import hashlib
import html
import os
import re
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

DEFAULT_INDEX = "https://pypi.org/simple"
ANCHOR = re.compile(r"<a\s([^>]*)>([^<]*)</a>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*')""")
WHEEL = re.compile(r"^pip-(?P<release>\d+(?:\.\d+)*)(?:\.post(?P<post>\d+))?-py3-none-any\.whl$")
TIMEOUT = 60


class BootstrapError(Exception):
    pass


def pip_configuration() -> configparser.ConfigParser:
    """pip's configuration files, in pip's order (a later file wins): site-wide, then the user's, then
    the one PIP_CONFIG_FILE names."""
    home = os.path.expanduser("~")
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    config_dirs = (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(folder, "pip", "pip.conf") for folder in reversed(config_dirs)] + ["/etc/pip.conf"]
    files += [os.path.join(home, ".pip", "pip.conf"), os.path.join(config_home, "pip", "pip.conf")]
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(os.environ["PIP_CONFIG_FILE"])
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(files, encoding="utf-8")
    return parser


def setting(name: str, parser: configparser.ConfigParser):
    """A pip setting as pip reads it: PIP_NAME, else the [install] then [global] section."""
    value = os.environ.get("PIP_" + name.upper().replace("-", "_"))
    if value:
        return value
    for section in ("install", "global"):
        if parser.has_option(section, name):
            return parser.get(section, name)
    return None


def newest_wheel(page: str, page_url: str, python=tuple(sys.version_info[:3])):
    """(the URL, the sha256) of the newest pip wheel on an index page that runs on `python`; None if none."""
    best = None
    for attributes, text in ANCHOR.findall(page):
        values = {name.lower(): html.unescape(value[1:-1]) for name, value in ATTRIBUTE.findall(attributes)}
        wheel = WHEEL.match(html.unescape(text).strip())
        if not wheel or "href" not in values or "data-yanked" in attributes.lower():
            continue
        if not supports(values.get("data-requires-python", ""), python):
            continue
        url, _, fragment = urllib.parse.urljoin(page_url, values["href"]).partition("#")
        digest = dict(part.split("=", 1) for part in fragment.split("&") if "=" in part).get("sha256")
        if not digest:
            continue  # unverifiable
        version = (tuple(int(part) for part in wheel.group("release").split(".")), int(wheel.group("post") or 0))
        if best is None or version > best[0]:
            best = (version, url, digest)
    return best and best[1:]


def supports(requires_python: str, python) -> bool:
    """Whether the version `python` (a tuple: 3, 11, 2) meets a Requires-Python such as ">=3.9" or
    ">=3.7, !=3.8.*" (the forms pip's wheels use; any other clause is left for pip itself to judge)."""
    have = tuple(python)
    for clause in filter(None, (part.strip() for part in requires_python.split(","))):
        match = re.fullmatch(r"(>=|<=|!=|==|~=|>|<)\s*(\d+(?:\.\d+)*)(\.\*)?", clause)
        if not match:
            continue
        operator, text, wildcard = match.groups()
        wanted = tuple(int(part) for part in text.split("."))
        if wildcard:  # == 3.8.* or != 3.8.*: the leading parts alone
            if (have[: len(wanted)] == wanted) != (operator == "=="):
                return False
            continue
        size = max(len(have), len(wanted))
        mine, theirs = have + (0,) * (size - len(have)), wanted + (0,) * (size - len(wanted))
        compatible = mine >= theirs and have[: len(wanted) - 1] == wanted[:-1]
        outcome = {">=": mine >= theirs, "<=": mine <= theirs, ">": mine > theirs, "<": mine < theirs,
                   "==": mine == theirs, "!=": mine != theirs, "~=": compatible}[operator]
        if not outcome:
            return False
    return True


def fetch(url: str, context) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "chefwrap-install (pip bootstrap)", "Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=TIMEOUT, context=context) as response:
        return response.read()


def main() -> int:
    if sys.prefix == sys.base_prefix:
        print("bootstrap_pip.py: run it with a virtual environment's Python, never a system's", file=sys.stderr)
        return 2
    parser = pip_configuration()
    index = (setting("index-url", parser) or DEFAULT_INDEX).split()[0].rstrip("/")
    context = ssl.create_default_context(cafile=setting("cert", parser))
    page_url = f"{index}/pip/"
    try:
        found = newest_wheel(fetch(page_url, context).decode("utf-8", "replace"), page_url)
        if found is None:
            raise BootstrapError(f"{page_url} offers no pip wheel for Python {sys.version_info[0]}.{sys.version_info[1]}")
        url, digest = found
        content = fetch(url, context)
    except (OSError, ValueError) as problem:
        print(f"bootstrap_pip.py: cannot fetch pip from {index}: {problem}", file=sys.stderr)
        return 1
    except BootstrapError as problem:
        print(f"bootstrap_pip.py: {problem}", file=sys.stderr)
        return 1
    if hashlib.sha256(content).hexdigest() != digest.lower():
        print(f"bootstrap_pip.py: {url} does not match the sha256 its index gives; nothing installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="chefwrap-pip-") as folder:
        wheel = os.path.join(folder, urllib.parse.unquote(url.rsplit("/", 1)[-1]))
        with open(wheel, "wb") as stream:
            stream.write(content)
        command = [sys.executable, os.path.join(wheel, "pip"), "install", "--quiet", "--no-index", "--no-deps", wheel]
        return subprocess.run(command, env=dict(os.environ, PIP_USER="0", PIP_DISABLE_PIP_VERSION_CHECK="1")).returncode


if __name__ == "__main__":
    sys.exit(main())
