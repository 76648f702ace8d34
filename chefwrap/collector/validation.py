"""What the collector accepts: the RFC's event fields with the right types, and nothing it cannot store."""

import re
from datetime import datetime, timezone

UUID = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
TIMESTAMP = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\Z")
MAX_TEXT = 256
MAX_OPTIONS = 200
MAX_BATCH = 1000


class Invalid(ValueError):
    """An event the collector refuses; the message says which field and why."""


def events_in(body):
    """The events in a request body (one event, or a JSON array of them), validated."""
    if isinstance(body, dict):
        return [validate(body)]
    if isinstance(body, list):
        if not body:
            raise Invalid("the array holds no event")
        if len(body) > MAX_BATCH:
            raise Invalid(f"at most {MAX_BATCH} events a request")
        return [validate(item, f"[{index}].") for index, item in enumerate(body)]
    raise Invalid("the body must be an event object or an array of them")


def validate(event, where=""):
    """The event's fields as the store keeps them; Invalid if a field is missing or of the wrong type.

    What is stored is rebuilt from these fields alone: a field the RFC does not define (a host name
    slipped in by some client) is never kept.
    """
    if not isinstance(event, dict):
        raise Invalid(f"{where or 'the event'} must be an object")
    for field in ("instance_id", "origin", "type", "product"):
        _text(event, field, where)
    for field in ("message_version", "payload_version"):
        if not _is_number(event.get(field)):
            raise Invalid(f"{where}{field} must be a number")
    session_id = _text(event, "session_id", where)
    if not UUID.match(session_id):
        raise Invalid(f"{where}session_id must be a UUID")
    event_id = event.get("event_id")
    if event_id is not None and not (isinstance(event_id, str) and UUID.match(event_id)):
        raise Invalid(f"{where}event_id must be a UUID")
    occurred_at = _timestamp(event, "timestamp", where)
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise Invalid(f"{where}payload must be an object")
    properties = payload.get("properties")
    if not isinstance(properties, dict):
        raise Invalid(f"{where}payload.properties must be an object")
    inner = f"{where}payload.properties."
    command = _text(properties, "command", inner)
    options = properties.get("options", [])
    if not isinstance(options, list) or len(options) > MAX_OPTIONS:
        raise Invalid(f"{inner}options must be a list of option names")
    for option in options:
        _plain(option, f"{inner}options")
    exit_code = _integer(properties, "exit_code", inner, -(2**31), 2**31 - 1)
    duration_ms = _integer(properties, "duration_ms", inner, 0, 2**31 - 1)
    ci = properties.get("ci")
    if ci is not None and not isinstance(ci, bool):
        raise Invalid(f"{inner}ci must be true, false or null")
    named, context = validate_context(properties, inner)
    stored_properties = {
        "command": command,
        "options": options,
        "exit_code": exit_code,
        "duration_ms": duration_ms,
        "timestamp": _optional_text(properties, "timestamp", inner),
        "os": _optional_text(properties, "os", inner),
        "arch": _optional_text(properties, "arch", inner),
        "ci": ci,
        **context,
    }
    stored = {
        "instance_id": event["instance_id"],
        "license_id": _optional_text(event, "license_id", where),
        "message_version": event["message_version"],
        "payload_version": event["payload_version"],
        "session_id": session_id,
        "event_id": event_id,
        "origin": event["origin"],
        "type": event["type"],
        "product": event["product"],
        "product_version": _optional_text(event, "product_version", where),
        "install_context": _optional_text(event, "install_context", where),
        "timestamp": event["timestamp"],
        "payload": {"event": _text(payload, "event", f"{where}payload."), "properties": stored_properties},
    }
    return {
        "event_id": event_id.lower() if event_id else None,
        "session_id": session_id.lower(),
        "product": event["product"],
        "product_version": stored["product_version"],
        "command": command,
        "options": options,
        "exit_code": exit_code,
        "duration_ms": duration_ms,
        "os": stored_properties["os"],
        "arch": stored_properties["arch"],
        "ci": ci,
        "occurred_at": occurred_at,
        "context": named,
        "event": stored,
    }


KITCHEN_PLUGIN_KINDS = ("driver", "provisioner", "verifier", "transport")
MAX_VERSION = 64


def validate_context(properties, where):
    """The optional context (chefwrap.context): ([(kind, name, version)] it names, the properties as stored)."""
    named, stored = [], {}
    cookbooks = properties.get("cookbooks")
    if cookbooks is not None:
        public = cookbooks.get("public") if isinstance(cookbooks, dict) else None
        if not isinstance(public, list) or len(public) > MAX_OPTIONS:
            raise Invalid(f"{where}cookbooks must hold a list of public cookbooks")
        kept = []
        for entry in public:
            if not isinstance(entry, dict):
                raise Invalid(f"{where}cookbooks.public must hold objects with a name and a version")
            name = _text(entry, "name", f"{where}cookbooks.public.")
            version = _text(entry, "version", f"{where}cookbooks.public.", MAX_VERSION)
            named.append(("cookbook", name, version))
            kept.append({"name": name, "version": version})
        stored["cookbooks"] = {
            "source": _optional_text(cookbooks, "source", f"{where}cookbooks."),
            "public": kept,
            "other": _integer(cookbooks, "other", f"{where}cookbooks.", 0, 2**31 - 1),
        }
    kitchen = properties.get("kitchen")
    if kitchen is not None:
        if not isinstance(kitchen, dict):
            raise Invalid(f"{where}kitchen must be an object")
        kept = {}
        for kind in KITCHEN_PLUGIN_KINDS:
            if kitchen.get(kind) is not None:
                kept[kind] = _text(kitchen, kind, f"{where}kitchen.")
                named.append((f"kitchen-{kind}", kept[kind], None))
        platforms = kitchen.get("platforms", [])
        if not isinstance(platforms, list) or len(platforms) > MAX_OPTIONS:
            raise Invalid(f"{where}kitchen.platforms must be a list of platform names")
        for platform in platforms:
            named.append(("platform", _plain(platform, f"{where}kitchen.platforms"), None))
        kept["platforms"] = platforms
        for count in ("other_plugins", "other_platforms"):
            kept[count] = _integer(kitchen, count, f"{where}kitchen.", 0, 2**31 - 1)
        stored["kitchen"] = kept
    versions = properties.get("versions")
    if versions is not None:
        if not isinstance(versions, dict) or len(versions) > 20:
            raise Invalid(f"{where}versions must be an object of tool versions")
        for tool in versions:
            _plain(tool, f"{where}versions", MAX_VERSION)
            named.append(("tool-version", tool, _text(versions, tool, f"{where}versions.", MAX_VERSION)))
        stored["versions"] = dict(versions)
    return named, stored


def _plain(value, where, longest=MAX_TEXT):
    """A non-empty string both databases can store: no NUL, no lone surrogate, not too long."""
    if not isinstance(value, str) or not value or len(value) > longest or "\x00" in value:
        raise Invalid(f"{where} must be a non-empty string of at most {longest} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(f"{where} must be valid Unicode text") from None
    return value


def _text(mapping, field, where, longest=MAX_TEXT):
    return _plain(mapping.get(field), f"{where}{field}", longest)


def _optional_text(mapping, field, where):
    return None if mapping.get(field) is None else _text(mapping, field, where)


def _integer(mapping, field, where, lowest, highest):
    value = mapping.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lowest <= value <= highest:
        raise Invalid(f"{where}{field} must be an integer from {lowest} to {highest}, or null")
    return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and abs(value) < 1e9


def _timestamp(mapping, field, where):
    value = _text(mapping, field, where)
    if not TIMESTAMP.match(value):
        raise Invalid(f"{where}{field} must be a UTC time such as 2026-11-27T12:00:00Z")
    try:
        parsed = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise Invalid(f"{where}{field} is not a real date and time") from None
    return parsed.replace(tzinfo=timezone.utc)
