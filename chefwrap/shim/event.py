"""The event one run produces: the RFC's example and the chef-telemetry gem's fields, nothing more.

No identifier of the machine or the user: instance_id and license_id are all zeros, the session id
is a fresh UUID every 10 idle minutes (chefwrap.state.session), the erase key's hash changes with it (it only
lets this machine prove the session is its own), and the properties hold only what the sanitizer let
through (each option name once, at most 64) plus the OS family, the CPU architecture, whether it ran in
CI and the tool's version. Imported on the shim's hot path: builtins only (json would pull in re: 4 ms).
"""

import os
import sys
import time
from _json import encode_basestring_ascii

from chefwrap.shim.version_rule import public_version
from chefwrap.state import ci
from chefwrap.state.session import new_uuid

ZERO_ID = "00000000-0000-0000-0000-000000000000"
INSTALL_CONTEXT = "chefwrap"
# The gem each tool's binstub pins (Chef Workstation's appbundler binstubs say `gem "knife", "= 18.4.2"`).
PINNED_GEMS = {"knife": ("knife", "chef"), "kitchen": ("test-kitchen",), "chef": ("chef-cli", "chef-dk")}
OS_FAMILIES = {"linux": "linux", "darwin": "macos", "win32": "windows", "cygwin": "windows", "freebsd": "freebsd"}


MAX_OPTIONS = 64  # distinct option names an event names; past them, MORE_OPTIONS
MORE_OPTIONS = "<more>"


def build(sanitized, exit_code, duration_ms, session_id, variables, product_version=None, now=None, context=None, erase_key_sha256=None):
    """The event as a dict, ready for to_json(); `context`: extra properties (chefwrap.shim.context);
    `erase_key_sha256`: the hash of the session's erase key (chefwrap.state.erase_key)."""
    timestamp = utc_timestamp(now)
    properties = {
        "command": sanitized.command,
        "options": capped_options(sanitized.options),
        "exit_code": exit_code,
        "duration_ms": None if duration_ms is None else int(round(duration_ms)),
        "timestamp": timestamp,
        "os": os_family(),
        "arch": architecture(),
        "ci": ci.detected(variables),
    }
    properties.update(context or {})
    event = {
        "instance_id": ZERO_ID,
        "license_id": ZERO_ID,
        "message_version": 1.0,
        "payload_version": 1.0,
        "session_id": session_id,
        "erase_key_sha256": erase_key_sha256,
        "event_id": new_uuid(),
        "origin": "command-line",
        "type": "track",
        "product": sanitized.tool,
        "product_version": product_version,
        "install_context": INSTALL_CONTEXT,
        "timestamp": timestamp,
        "payload": {"event": "user-command", "properties": properties},
    }
    if product_version is None:
        del event["product_version"]
    if erase_key_sha256 is None:
        del event["erase_key_sha256"]
    return event


def capped_options(options) -> list:
    """Each option name once, in the order first used, at most MAX_OPTIONS of them and then MORE_OPTIONS:
    however long the command line (3,000 `--verbose`), the event stays small enough to be sent."""
    distinct = list(dict.fromkeys(options))
    return distinct if len(distinct) <= MAX_OPTIONS else distinct[:MAX_OPTIONS] + [MORE_OPTIONS]


def utc_timestamp(now=None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def os_family() -> str:
    for prefix, family in OS_FAMILIES.items():
        if sys.platform.startswith(prefix):
            return family
    return "other"


def architecture() -> str:
    machine = os.uname().machine.lower() if hasattr(os, "uname") else ""
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return machine if machine.isascii() and machine.replace("_", "").isalnum() else "other"


def version_from_binstub(tool: str, head: bytes):
    """The version an appbundler binstub pins (`gem "knife", "= 18.4.2"`), if it passes the version rule
    (chefwrap.shim.version_rule); None otherwise."""
    for gem in PINNED_GEMS.get(tool, ()):
        marker = b'gem "%s", "= ' % gem.encode()
        start = head.find(marker)
        if start < 0:
            continue
        start += len(marker)
        end = head.find(b'"', start, start + 32)
        version = head[start:end].decode("ascii", "replace") if end > 0 else ""
        if public_version(version):
            return version
    return None


def to_json(value) -> str:
    """Compact JSON, ASCII only: what json.dumps(value, separators=(",", ":")) gives, for the types events use."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(encode_basestring_ascii(str(key)) + ":" + to_json(item) for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
