"""What the collector accepts, declared once: the RFC's event fields with their types and limits (msgspec).

The declaration is the rule: decoding a request body against it refuses a missing field or a wrong
type with a message naming the field, and `json_schema()` (served at GET /schema) is generated from it.
A field no one declared is never read, so it is never stored: what is kept is re-encoded from the
declaration. Properties of an event type the collector does not know are skipped unread (`Raw`).
Measured against pydantic v2 in benchmarks/validation_cost.py.
"""

import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Dict, List, Optional, Union

import msgspec

from chefwrap.collector import known_names

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"
NO_NUL_PATTERN = r"^[^\x00]*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
UUID = re.compile(UUID_PATTERN)
MAX_TEXT = 256
MAX_VERSION = 64
MAX_LIST = 200
MAX_BATCH = 1000
MAX_INT = 2**31 - 1
COMMAND_EVENT = "user-command"  # the one event type whose properties the collector knows
KITCHEN_PLUGIN_KINDS = ("driver", "provisioner", "verifier", "transport")

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT, pattern=NO_NUL_PATTERN)]
Version = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_VERSION, pattern=NO_NUL_PATTERN)]
Uuid = Annotated[str, msgspec.Meta(pattern=UUID_PATTERN)]
Timestamp = Annotated[str, msgspec.Meta(pattern=TIMESTAMP_PATTERN)]
Sha256 = Annotated[str, msgspec.Meta(pattern=SHA256_PATTERN)]
Number = Annotated[float, msgspec.Meta(gt=-1e9, lt=1e9)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
ExitCode = Annotated[int, msgspec.Meta(ge=-(2**31), le=MAX_INT)]

# Messages that would otherwise quote a regular expression.
PATTERN_MEANINGS = {
    UUID_PATTERN: "must be a UUID",
    TIMESTAMP_PATTERN: "must be a UTC time such as 2026-11-27T12:00:00Z",
    NO_NUL_PATTERN: "must be text without NUL characters",
    SHA256_PATTERN: "must be 64 lowercase hexadecimal characters (the SHA-256 of the session's erase key)",
}


class Cookbook(msgspec.Struct):
    name: Text
    version: Version


class Cookbooks(msgspec.Struct, omit_defaults=True):
    public: Annotated[List[Cookbook], msgspec.Meta(max_length=MAX_LIST)]
    source: Optional[Text] = None
    other: Optional[Count] = None


class Kitchen(msgspec.Struct, omit_defaults=True):
    driver: Optional[Text] = None
    provisioner: Optional[Text] = None
    verifier: Optional[Text] = None
    transport: Optional[Text] = None
    platforms: Annotated[List[Text], msgspec.Meta(max_length=MAX_LIST)] = []
    other_plugins: Optional[Count] = None
    other_platforms: Optional[Count] = None


class Properties(msgspec.Struct, omit_defaults=True):
    """A user-command's properties: chefwrap's, or only `command` (and `timestamp`) from Chef's own gem."""

    command: Text
    options: Annotated[List[Text], msgspec.Meta(max_length=MAX_LIST)] = []
    exit_code: Optional[ExitCode] = None
    duration_ms: Optional[Count] = None
    timestamp: Optional[Text] = None
    os: Optional[Text] = None
    arch: Optional[Text] = None
    ci: Optional[bool] = None
    cookbooks: Optional[Cookbooks] = None
    kitchen: Optional[Kitchen] = None
    versions: Optional[Annotated[Dict[Version, Version], msgspec.Meta(max_length=20)]] = None


NULL = msgspec.Raw(b"null")


class Payload(msgspec.Struct):
    event: Text
    properties: msgspec.Raw = msgspec.field(default_factory=lambda: NULL)  # decoded as Properties for a user-command


class Event(msgspec.Struct):
    instance_id: Text
    message_version: Number
    payload_version: Number
    session_id: Uuid
    origin: Text
    type: Text
    product: Text
    timestamp: Timestamp
    payload: Payload
    event_id: Optional[Uuid] = None
    license_id: Optional[Text] = None
    product_version: Optional[Text] = None
    install_context: Optional[Text] = None
    erase_key_sha256: Optional[Sha256] = None  # what proves, at DELETE /sessions/{id}, who sent the session


class StoredPayload(msgspec.Struct, omit_defaults=True):
    event: str
    properties: Optional[Properties] = None


class StoredEvent(msgspec.Struct):
    """The event as the collector keeps it (events.event): the declared fields, nothing else."""

    instance_id: str
    license_id: Optional[str]
    message_version: float
    payload_version: float
    session_id: str
    event_id: Optional[str]
    origin: str
    type: str
    product: str
    product_version: Optional[str]
    install_context: Optional[str]
    timestamp: str
    payload: StoredPayload


Body = Union[Event, Annotated[List[Event], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]]
_body = msgspec.json.Decoder(Body)
_properties = msgspec.json.Decoder(Properties)
_encode = msgspec.json.Encoder().encode
_stored = msgspec.json.Decoder(StoredEvent)


class Invalid(ValueError):
    """A body the collector refuses; the message says which field and why."""


class Received(msgspec.Struct):
    """One validated event, with the columns the store keeps beside its JSON."""

    event_id: Optional[str]
    session_id: str
    occurred_at: datetime  # UTC, naive
    stored: StoredEvent
    erase_key_sha256: Optional[str] = None  # kept beside the event, never in it

    @property
    def day(self) -> date:
        return self.occurred_at.date()

    def clamp(self, latest: datetime) -> None:
        """A clock far ahead counts at most a day ahead of the collector's."""
        self.occurred_at = min(self.occurred_at, latest + timedelta(days=1))


def events_in(body: bytes, now: datetime = None) -> list:
    """The events in a request body (one event, or a JSON array of at most MAX_BATCH), validated, their
    names narrowed; a time after tomorrow (UTC) by `now`, the collector's clock, is refused."""
    try:
        decoded = _body.decode(body)
    except msgspec.ValidationError as problem:
        raise Invalid(readable(str(problem))) from None
    except (msgspec.DecodeError, RecursionError):
        raise Invalid("the body is not valid JSON") from None
    latest = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date() + timedelta(days=1)  # tomorrow
    if isinstance(decoded, Event):
        return [received(decoded, "", latest)]
    return [received(event, f"[{index}].", latest) for index, event in enumerate(decoded)]


def received(event: Event, where: str, latest: date) -> Received:
    properties = None
    if event.payload.event == COMMAND_EVENT:
        try:
            properties = _properties.decode(event.payload.properties)
        except msgspec.ValidationError as problem:
            raise Invalid(readable(str(problem), f"{where}payload.properties")) from None
    occurred_at = parse_timestamp(event.timestamp, f"{where}timestamp")
    if occurred_at.date() > latest:
        raise Invalid(f"{where}timestamp is after tomorrow (UTC) by the collector's clock")
    product = known_names.product(event.product)
    stored = StoredEvent(
        instance_id=event.instance_id,
        license_id=event.license_id,
        message_version=event.message_version,
        payload_version=event.payload_version,
        session_id=event.session_id,
        event_id=event.event_id,
        origin=event.origin,
        type=event.type,
        product=product,
        product_version=known_names.short(event.product_version),
        install_context=event.install_context,
        timestamp=event.timestamp,
        payload=StoredPayload(event=event.payload.event, properties=properties and narrowed(product, properties)),
    )
    return Received(
        event_id=event.event_id.lower() if event.event_id else None,
        session_id=event.session_id.lower(),
        occurred_at=occurred_at,
        stored=stored,
        erase_key_sha256=event.erase_key_sha256,
    )


def narrowed(product: str, properties: Properties) -> Properties:
    """A command event's properties with only the names the collector can know (chefwrap.collector.known_names)."""
    command = known_names.command(product, properties.command)
    budget = known_names.ContextBudget()
    return msgspec.structs.replace(
        properties,
        command=command,
        options=known_names.options(command, properties.options),
        os=known_names.short(properties.os),
        arch=known_names.short(properties.arch),
        cookbooks=properties.cookbooks and narrowed_cookbooks(properties.cookbooks, budget),
        kitchen=properties.kitchen and narrowed_kitchen(properties.kitchen, budget),
        versions=properties.versions and {tool: version for tool, version in properties.versions.items() if budget.keeps(tool)},
    )


def narrowed_cookbooks(cookbooks: Cookbooks, budget) -> Cookbooks:
    public = [book for book in cookbooks.public if budget.keeps(book.name)]
    return msgspec.structs.replace(cookbooks, public=public, other=plus(cookbooks.other, len(cookbooks.public) - len(public)))


def narrowed_kitchen(kitchen: Kitchen, budget) -> Kitchen:
    plugins = {kind: getattr(kitchen, kind) for kind in KITCHEN_PLUGIN_KINDS}
    kept = {kind: name for kind, name in plugins.items() if name is not None and budget.keeps(name)}
    dropped = sum(name is not None for name in plugins.values()) - len(kept)
    platforms = [platform for platform in kitchen.platforms if budget.keeps(platform)]
    return msgspec.structs.replace(
        kitchen,
        **{kind: kept.get(kind) for kind in KITCHEN_PLUGIN_KINDS},
        platforms=platforms,
        other_plugins=plus(kitchen.other_plugins, dropped),
        other_platforms=plus(kitchen.other_platforms, len(kitchen.platforms) - len(platforms)),
    )


def plus(count, more: int):
    """A count of names not named, with `more` of them (None stays None when there are none)."""
    if not more:
        return count
    return min(MAX_INT, (count or 0) + more)


def encode(stored: StoredEvent) -> str:
    return _encode(stored).decode()


def decode(text) -> StoredEvent:
    """A stored event back from the events table (also the rows an older collector wrote)."""
    return _stored.decode(text)


def parse_timestamp(value: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(value[:19])  # the pattern has checked the shape; this, the calendar
    except ValueError:
        raise Invalid(f"{where} is not a real date and time") from None


def readable(message: str, prefix: str = "") -> str:
    """msgspec's "Expected `int`, got `str` - at `$[1].payload`" as "[1].payload: expected `int`, got `str`"."""
    what, _, at = message.partition(" - at `")
    if at.startswith("key` in `"):  # a mapping's key: "- at `key` in `$.versions`"
        at, what = at[len("key` in `"):], "a key: " + what[0].lower() + what[1:]
    path = (prefix + at[1:].rstrip("`")).lstrip(".")
    missing = re.fullmatch(r"Object missing required field `(.+)`", what)
    if missing:
        return f"{path + '.' if path else ''}{missing.group(1)} is missing"
    for pattern, meaning in PATTERN_MEANINGS.items():
        if f"regex {pattern!r}" in what:
            return f"{path} {meaning}"
    if not path:
        return BODY_MESSAGES.get(what.split(", got")[0], "the body: " + what)
    return f"{path}: {what[0].lower()}{what[1:]}"


BODY_MESSAGES = {
    "Expected `object | array`": "the body must be an event object or an array of them",
    "Expected `array` of length >= 1": "the array holds no event",
    f"Expected `array` of length <= {MAX_BATCH}": f"at most {MAX_BATCH} events a request",
}


def json_schema() -> dict:
    """The JSON Schema of a request body, with a user-command's properties among its definitions."""
    (body, _), definitions = msgspec.json.schema_components([Body, Properties])
    definitions["Payload"]["properties"]["properties"] = {
        "description": f"for the event {COMMAND_EVENT!r}: Properties; for any other event, dropped unread",
        "anyOf": [{"$ref": "#/$defs/Properties"}, {}],
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "chefwrap collector: POST /events", **body, "$defs": definitions}
