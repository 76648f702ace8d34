"""chefwrap's settings that are not the data-sharing decision: the endpoint and the mode.

The RFC asks for a well-formatted, commented configuration file; chefwrap writes it under
~/.chef/chefwrap/config.toml when a decision is first recorded. The decision itself lives only in the
chef-telemetry gem's files (~/.chef/telemetry_opt_in, telemetry_opt_out). The file holds plain
`key = "value"` lines, read here without a TOML library, because the shim reads the mode.
"""


from chefwrap import paths

DEFAULT_ENDPOINT = "https://telemetry.chef.io"
# The two modes of the `mode` setting.
MODE_SHARE = "share"
MODE_LOCAL = "local"


def read(env) -> dict:
    """The settings in the file; a missing or damaged file gives the defaults."""
    try:
        with open(paths.settings_file(env), "rb") as stream:
            text = stream.read(65536).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    settings = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if equals and key.isidentifier() and len(value) >= 2 and value[0] == value[-1] == '"' and "\\" not in value:
            settings[key] = value[1:-1]
    return settings


def endpoint(env) -> str:
    return env.get("CHEF_TELEMETRY_ENDPOINT") or read(env).get("endpoint") or DEFAULT_ENDPOINT


def mode(env) -> str:
    return MODE_LOCAL if read(env).get("mode") == MODE_LOCAL else MODE_SHARE


def render(settings: dict) -> bytes:
    endpoint_line = f'endpoint = "{settings["endpoint"]}"' if settings.get("endpoint") else f'# endpoint = "{DEFAULT_ENDPOINT}"'
    return f"""# chefwrap: settings for the anonymous usage data of knife, kitchen and chef.
#
# Whether data is shared at all is not set here: it is the file ~/.chef/telemetry_opt_in (sharing) or
# ~/.chef/telemetry_opt_out (not sharing), which every Chef tool on this host reads. Change it with
#     chefwrap telemetry enable | disable
# or opt out anywhere with CHEF_TELEMETRY_OPT_OUT=1, DO_NOT_TRACK=1, or a .chef/telemetry_opt_out file
# in a repository. See what is collected with `chefwrap telemetry show`.

# Where events are sent (POST <endpoint>/events). CHEF_TELEMETRY_ENDPOINT overrides it.
{endpoint_line}

# "share": send the events. "local": keep them in the local ledger and never send them
# (`chefwrap telemetry local`; `chefwrap telemetry enable` goes back to sharing).
mode = "{settings.get('mode', MODE_SHARE)}"
""".encode()


def write(env, **changes) -> None:
    from chefwrap import files

    settings = dict(read(env), **changes)
    files.write_atomically(paths.settings_file(env), render(settings), mode=0o644)
