"""The event: the RFC's fields, nothing identifying, valid JSON; visible through debug mode and preview."""

import json
import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chefwrap.shim import event, sanitizer

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@pytest.mark.fast
@settings(max_examples=500, deadline=None)
@given(json_values)
def test_to_json_writes_what_json_dumps_writes(value):
    assert event.to_json(value) == json.dumps(value, separators=(",", ":"))


@pytest.mark.fast
def test_uuids_are_random_version_4():
    ids = {event.new_uuid() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text for text in ids)


@pytest.mark.fast
def test_the_event_has_the_rfc_fields_and_no_identifier():
    sanitized = sanitizer.sanitize("knife", ["node", "show", "web1", "-F", "json"])
    built = event.build(sanitized, 3, 1234.4, "2d5a4d61-d79a-4ff9-aa71-a403c2d5a001", {"CI": "true"}, "18.4.2", now=0)
    assert built == {
        "instance_id": "00000000-0000-0000-0000-000000000000",
        "license_id": "00000000-0000-0000-0000-000000000000",
        "message_version": 1.0,
        "payload_version": 1.0,
        "session_id": "2d5a4d61-d79a-4ff9-aa71-a403c2d5a001",
        "event_id": built["event_id"],
        "origin": "command-line",
        "type": "track",
        "product": "knife",
        "product_version": "18.4.2",
        "install_context": "chefwrap",
        "timestamp": "1970-01-01T00:00:00Z",
        "payload": {
            "event": "user-command",
            "properties": {
                "command": "knife node show",
                "options": ["-F"],
                "exit_code": 3,
                "duration_ms": 1234,
                "timestamp": "1970-01-01T00:00:00Z",
                "os": "linux",
                "arch": event.architecture(),
                "ci": True,
            },
        },
    }
    assert re.fullmatch(r"[0-9a-f-]{36}", built["event_id"])


@pytest.mark.fast
def test_the_version_is_read_from_an_appbundler_binstub_only_when_it_is_a_plain_version():
    stub = b'#!/opt/chef-workstation/embedded/bin/ruby\ngem "knife", "= 18.4.2"\ngem "chef", "= 18.4.2"\n'
    assert event.version_from_binstub("knife", stub) == "18.4.2"
    assert event.version_from_binstub("kitchen", b'gem "test-kitchen", "= 3.6.0"') == "3.6.0"
    assert event.version_from_binstub("knife", b'gem "knife", "= 18.4.2-internal.acme"') is None
    assert event.version_from_binstub("knife", b"#!/bin/sh\nexec ruby knife\n") is None


def test_debug_mode_prints_the_event_on_stderr_and_keeps_nothing(installed):
    result = installed.run(
        [installed.shims / "knife", "bootstrap", "10.0.0.5", "-x", "admin", "-P", "hunter2"],
        env=installed.env(CHEF_TELEMETRY_DEBUG="1"),
    )
    assert result.returncode == 0
    assert result.stdout == b""
    printed = json.loads(result.stderr)
    assert printed["payload"]["properties"]["command"] == "knife bootstrap"
    assert printed["payload"]["properties"]["options"] == ["-x", "-P"]
    for secret in (b"10.0.0.5", b"admin", b"hunter2"):
        assert secret not in result.stderr
    assert not (installed.home / ".chef" / "chefwrap" / "spool").exists()


def test_preview_prints_the_event_a_command_line_would_produce(installed):
    code, out, err = installed.chefwrap("telemetry", "preview", "--", "knife", "bootstrap", "host", "-P", "secret")
    assert code == 0
    printed = json.loads(out)
    assert printed["payload"]["properties"]["command"] == "knife bootstrap"
    assert printed["payload"]["properties"]["options"] == ["-P"]
    assert printed["payload"]["properties"]["exit_code"] is None
    assert "host" not in out and "secret" not in out
    assert "never sent: 1 argument, 1 option value" in err
    assert installed.take_reports() == []  # nothing ran


def test_preview_without_a_tool_is_a_clear_error(installed):
    code, out, err = installed.chefwrap("telemetry", "preview", "--", "ls", "-l")
    assert code == 2
    assert err.count("\n") == 1 and "knife" in err


def test_debug_mode_shows_the_event_even_before_any_decision_and_asks_nothing(world):
    world.install("--shell", "bash")
    result = world.run([world.shims / "knife", "node", "show", "web1"], env=world.env(CHEF_TELEMETRY_DEBUG="1"))
    assert result.returncode == 0
    assert json.loads(result.stderr)["payload"]["properties"]["command"] == "knife node show"
    assert not (world.home / ".chef").exists()  # nothing stored, not even a session
