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
    """The event's fields as the store keeps them; Invalid if a field is missing or of the wrong type."""
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
    _text(payload, "event", f"{where}payload.")
    properties = payload.get("properties")
    if not isinstance(properties, dict):
        raise Invalid(f"{where}payload.properties must be an object")
    command = _text(properties, "command", f"{where}payload.properties.")
    options = properties.get("options", [])
    if not isinstance(options, list) or len(options) > MAX_OPTIONS or not all(isinstance(o, str) and 0 < len(o) <= MAX_TEXT for o in options):
        raise Invalid(f"{where}payload.properties.options must be a list of option names")
    for field in ("exit_code", "duration_ms"):
        value = properties.get(field)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool)):
            raise Invalid(f"{where}payload.properties.{field} must be an integer or null")
    ci = properties.get("ci")
    if ci is not None and not isinstance(ci, bool):
        raise Invalid(f"{where}payload.properties.ci must be true, false or null")
    context = validate_context(properties, f"{where}payload.properties.")
    return {
        "event_id": event_id.lower() if event_id else None,
        "session_id": session_id.lower(),
        "product": event["product"],
        "product_version": _optional_text(event, "product_version", where),
        "command": command,
        "options": options,
        "exit_code": properties.get("exit_code"),
        "duration_ms": properties.get("duration_ms"),
        "os": _optional_text(properties, "os", f"{where}payload.properties."),
        "arch": _optional_text(properties, "arch", f"{where}payload.properties."),
        "ci": ci,
        "occurred_at": occurred_at,
        "context": context,
        "event": event,
    }


KITCHEN_PLUGIN_KINDS = ("driver", "provisioner", "verifier", "transport")


def validate_context(properties, where):
    """The optional context (chefwrap.context): [(kind, name, version)] of what it names."""
    named = []
    cookbooks = properties.get("cookbooks")
    if cookbooks is not None:
        public = cookbooks.get("public") if isinstance(cookbooks, dict) else None
        if not isinstance(public, list) or len(public) > MAX_OPTIONS:
            raise Invalid(f"{where}cookbooks must hold a list of public cookbooks")
        for entry in public:
            if not isinstance(entry, dict):
                raise Invalid(f"{where}cookbooks.public must hold objects with a name and a version")
            named.append(("cookbook", _text(entry, "name", f"{where}cookbooks.public."), _text(entry, "version", f"{where}cookbooks.public.")))
    kitchen = properties.get("kitchen")
    if kitchen is not None:
        if not isinstance(kitchen, dict):
            raise Invalid(f"{where}kitchen must be an object")
        for kind in KITCHEN_PLUGIN_KINDS:
            if kitchen.get(kind) is not None:
                named.append((f"kitchen-{kind}", _text(kitchen, kind, f"{where}kitchen."), None))
        platforms = kitchen.get("platforms", [])
        if not isinstance(platforms, list) or len(platforms) > MAX_OPTIONS or not all(isinstance(p, str) and 0 < len(p) <= MAX_TEXT for p in platforms):
            raise Invalid(f"{where}kitchen.platforms must be a list of platform names")
        named += [("platform", platform, None) for platform in platforms]
    versions = properties.get("versions")
    if versions is not None:
        if not isinstance(versions, dict) or len(versions) > 20:
            raise Invalid(f"{where}versions must be an object of tool versions")
        for tool in versions:
            named.append(("tool-version", tool, _text(versions, tool, f"{where}versions.")))
    return named


def _text(mapping, field, where):
    value = mapping.get(field)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise Invalid(f"{where}{field} must be a non-empty string of at most {MAX_TEXT} characters")
    return value


def _optional_text(mapping, field, where):
    return None if mapping.get(field) is None else _text(mapping, field, where)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _timestamp(mapping, field, where):
    value = _text(mapping, field, where)
    if not TIMESTAMP.match(value):
        raise Invalid(f"{where}{field} must be a UTC time such as 2026-11-27T12:00:00Z")
    try:
        parsed = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise Invalid(f"{where}{field} is not a real date and time") from None
    return parsed.replace(tzinfo=timezone.utc)
