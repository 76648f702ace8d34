"""chefwrap's settings that are not the data-sharing decision: the endpoint and the mode.

The RFC asks for a well-formatted, commented configuration file; chefwrap writes it under
~/.chef/chefwrap/config.toml when a decision is first recorded. The decision itself lives only in the
chef-telemetry gem's files (~/.chef/telemetry_opt_in, telemetry_opt_out). The file holds plain
`key = "value"` lines, read here without a TOML library, because the shim reads the mode.

The endpoint must be an http(s) URL: anything else is refused wherever it is configured
(CHEF_TELEMETRY_ENDPOINT, this file), never guessed at, and never falls back to the default: a run
records nothing until it is fixed, and `chefwrap telemetry status` says why. Checked without re or
urllib, on the shim's hot path.
"""


from chefwrap import files, paths

DEFAULT_ENDPOINT = "https://telemetry.chef.io"
# The two modes of the `mode` setting.
MODE_SHARE = "share"
MODE_LOCAL = "local"


def read(env) -> dict:
    """The settings in the file; a missing or damaged file gives the defaults."""
    try:
        text = (files.read_state(paths.settings_file(env), 65536) or b"").decode("utf-8")
    except UnicodeDecodeError:
        return {}
    settings = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if equals and key.isidentifier() and len(value) >= 2 and value[0] == value[-1] == '"' and "\\" not in value:
            settings[key] = value[1:-1]
    return settings


def endpoint(env) -> str:
    return configured_endpoint(env)[0]


def configured_endpoint(env):
    """(the endpoint, where it was configured: the variable, the settings file, or None for the default)."""
    if env.get("CHEF_TELEMETRY_ENDPOINT"):
        return env["CHEF_TELEMETRY_ENDPOINT"], "CHEF_TELEMETRY_ENDPOINT"
    configured = read(env).get("endpoint")
    if configured:
        return configured, paths.settings_file(env)
    return DEFAULT_ENDPOINT, None


def usable_endpoint(env):
    """The endpoint to record events for; None when the one configured is not an http(s) URL."""
    url = endpoint(env)
    return None if endpoint_problem(url) else url


# What may appear in an endpoint: RFC 3986's characters, less the query, fragment and user-info ones.
URL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/:[]%!$&'()*+,;=")
HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")


def endpoint_problem(url):
    """None when `url` is an http(s) URL events can be posted under (<url>/events); otherwise why not."""
    if not isinstance(url, str) or not url:
        return "it is empty"
    scheme = url[:8].lower()
    if scheme.startswith("http://"):
        rest = url[7:]
    elif scheme == "https://":
        rest = url[8:]
    else:
        return "it does not start with http:// or https://"
    if "?" in url or "#" in url:
        return "it holds a query or a fragment (events go to <endpoint>/events)"
    if "@" in url:
        return "it holds a user name or password"
    if not set(url) <= URL_CHARACTERS:
        return "it holds a space or a character a URL cannot hold"
    authority = rest.partition("/")[0]
    if authority.startswith("["):  # an IPv6 address
        host, bracket, port = authority[1:].partition("]")
        if not bracket or not host or not set(host) <= frozenset("0123456789abcdefABCDEF:."):
            return "its IPv6 address is not closed or not an address"
        if port and not port.startswith(":"):
            return "it has something after the IPv6 address that is not a port"
        port = port[1:]
    else:
        host, _, port = authority.partition(":")
        if not host or not set(host) <= HOST_CHARACTERS:
            return "it names no host" if not host else "its host name holds a character a host name cannot hold"
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return "its port is not a number from 1 to 65535"
    return None


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
    settings = dict(read(env), **changes)
    files.write_atomically(paths.settings_file(env), render(settings), mode=0o644)
