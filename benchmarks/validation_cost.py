"""What validating an event costs: msgspec (kept) against pydantic v2, the same rules declared in each.

    .venv/bin/pip install pydantic      # only for this comparison
    .venv/bin/python benchmarks/validation_cost.py [--rounds 15]

Bodies: one shim event with context (as one request carries it), and a batch of 1,000. Each library
parses the JSON bytes and checks every field (types, lengths, patterns, ranges) into its objects
(msgspec in two steps, the user-command's properties second, as the collector does). Also shown: the
collector's whole events_in (validation, timestamps, the stored form built). Paired
rounds in one process, medians reported; errors must name the field in both.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Annotated, Dict, List, Optional, Union

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError  # noqa: E402

from chefwrap.collector import validation  # noqa: E402

from support.collector_world import an_event  # noqa: E402

NO_NUL = validation.NO_NUL_PATTERN
Text = Annotated[str, Field(min_length=1, max_length=256, pattern=NO_NUL)]
Version = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
STRICT = ConfigDict(strict=True, extra="ignore")


class Cookbook(BaseModel):
    model_config = STRICT
    name: Text
    version: Version


class Cookbooks(BaseModel):
    model_config = STRICT
    public: Annotated[List[Cookbook], Field(max_length=200)]
    source: Optional[Text] = None
    other: Optional[Count] = None


class Kitchen(BaseModel):
    model_config = STRICT
    driver: Optional[Text] = None
    provisioner: Optional[Text] = None
    verifier: Optional[Text] = None
    transport: Optional[Text] = None
    platforms: Annotated[List[Text], Field(max_length=200)] = []
    other_plugins: Optional[Count] = None
    other_platforms: Optional[Count] = None


class Properties(BaseModel):
    model_config = STRICT
    command: Text
    options: Annotated[List[Text], Field(max_length=200)] = []
    exit_code: Optional[Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]] = None
    duration_ms: Optional[Count] = None
    timestamp: Optional[Text] = None
    os: Optional[Text] = None
    arch: Optional[Text] = None
    ci: Optional[bool] = None
    cookbooks: Optional[Cookbooks] = None
    kitchen: Optional[Kitchen] = None
    versions: Optional[Annotated[Dict[Version, Version], Field(max_length=20)]] = None


class Payload(BaseModel):
    model_config = STRICT
    event: Text
    properties: Optional[Properties] = None


class Event(BaseModel):
    model_config = STRICT
    instance_id: Text
    message_version: Annotated[float, Field(gt=-1e9, lt=1e9)]
    payload_version: Annotated[float, Field(gt=-1e9, lt=1e9)]
    session_id: Annotated[str, Field(pattern=validation.UUID_PATTERN)]
    origin: Text
    type: Text
    product: Text
    timestamp: Annotated[str, Field(pattern=validation.TIMESTAMP_PATTERN)]
    payload: Payload
    event_id: Optional[Annotated[str, Field(pattern=validation.UUID_PATTERN)]] = None
    license_id: Optional[Text] = None
    product_version: Optional[Text] = None
    install_context: Optional[Text] = None


PydanticBody = TypeAdapter(Union[Event, Annotated[List[Event], Field(min_length=1, max_length=1000)]])
CONTEXT = {
    "cookbooks": {"source": "policyfile", "public": [{"name": "nginx", "version": "12.2.7"}, {"name": "apt", "version": "7.5.0"}], "other": 3},
    "kitchen": {"driver": "vagrant", "provisioner": "chef_infra", "platforms": ["ubuntu-22.04"], "other_plugins": 0, "other_platforms": 1},
    "versions": {"kitchen": "3.6.0"},
}


def msgspec_declaration(body):
    """What the declaration checks: the body, then each user-command's properties (as events_in does)."""
    decoded = validation._body.decode(body)
    for event in decoded if isinstance(decoded, list) else [decoded]:
        validation._properties.decode(event.payload.properties)


def timed(function, body, repeat):
    started = time.perf_counter()
    for _ in range(repeat):
        function(body)
    return (time.perf_counter() - started) / repeat


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=15)
    args = options.parse_args()
    one = json.dumps(an_event(tool="kitchen", argv=("converge", "-l", "debug"), context=CONTEXT)).encode()
    batch = json.dumps([an_event(tool="kitchen", argv=("converge", "-l", "debug"), context=CONTEXT) for _ in range(1000)]).encode()
    contenders = {"msgspec": msgspec_declaration, "pydantic": PydanticBody.validate_json, "events_in": validation.events_in}
    for name, body, repeat, events in (("one event", one, 2000, 1), ("batch of 1,000", batch, 5, 1000)):
        results = {contender: [] for contender in contenders}
        for _ in range(args.rounds):
            for contender, function in contenders.items():
                results[contender].append(timed(function, body, repeat) / events * 1e6)
        medians = {contender: statistics.median(values) for contender, values in results.items()}
        print(
            f"{name:<15} msgspec {medians['msgspec']:6.2f} µs/event   pydantic {medians['pydantic']:6.2f} µs/event   "
            f"(pydantic/msgspec {medians['pydantic'] / medians['msgspec']:.1f}x); the collector's events_in, stored form built: {medians['events_in']:6.2f} µs/event"
        )
    bad = json.loads(one)
    bad["payload"]["properties"]["exit_code"] = "0"
    try:
        validation.events_in(json.dumps(bad).encode())
    except validation.Invalid as problem:
        print(f"msgspec error:  {problem}")
    try:
        PydanticBody.validate_json(json.dumps(bad))
    except ValidationError as problem:
        first = problem.errors()[0]
        print(f"pydantic error: {'.'.join(str(part) for part in first['loc'])}: {first['msg']}")


if __name__ == "__main__":
    main()
