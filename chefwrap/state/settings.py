"""chefwrap's settings: the endpoint, the mode and a token; and the endpoints a yes was given for.

The RFC asks for a well-formatted, commented configuration file; chefwrap writes it under
~/.chef/chefwrap/config.toml (0600: it may hold a token) when a decision is first recorded. The file
holds plain `key = "value"` lines, read here without a TOML library, because the shim reads it.

A yes to Chef's own endpoint lives in the chef-telemetry gem's file (~/.chef/telemetry_opt_in), which is
what it means to Chef's tools; a yes to any other endpoint is kept in ~/.chef/chefwrap/shared-with,
naming that endpoint, and never written where the gem would read it as a yes to Chef. (A file of its
own: a settings file damaged or edited by hand never turns one yes into another.)

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


def read(variables) -> dict:
    """The settings in the file; a missing or damaged file (or a symlink, or someone else's) gives the defaults."""
    try:
        text = (files.read_private(paths.settings_file(variables), 65536) or b"").decode("utf-8")
    except UnicodeDecodeError:
        return {}
    settings = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if equals and key.isidentifier() and len(value) >= 2 and value[0] == value[-1] == '"' and "\\" not in value:
            settings[key] = value[1:-1]
    return settings


def endpoint(variables) -> str:
    return configured_endpoint(variables)[0]


def configured_endpoint(variables):
    """(the endpoint, where it was configured: the variable, the settings file, or None for the default)."""
    if variables.get("CHEF_TELEMETRY_ENDPOINT"):
        return variables["CHEF_TELEMETRY_ENDPOINT"], "CHEF_TELEMETRY_ENDPOINT"
    configured = read(variables).get("endpoint")
    if configured:
        return configured, paths.settings_file(variables)
    return DEFAULT_ENDPOINT, None


def usable_endpoint(variables):
    """The endpoint to record events for, normalized; None when the one configured is not an http(s) URL."""
    url = endpoint(variables)
    return None if endpoint_problem(url) else normalize(url)


def normalize(url: str) -> str:
    """One spelling of an endpoint, to compare and to record: scheme and host in lower case, no slash at the end."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{authority.lower()}{(slash + path).rstrip('/')}"


def is_chefs(url: str) -> bool:
    """Chef's own endpoint, whose yes is the gem's ~/.chef/telemetry_opt_in."""
    return normalize(url) == DEFAULT_ENDPOINT


SHARED_WITH_HEADER = b"# Endpoints other than Chef's that you agreed to share with (chefwrap telemetry enable | disable).\n"


def shared_with(variables) -> list:
    """The endpoints other than Chef's that the user agreed to share with, normalized."""
    data = files.read_private(paths.shared_with_file(variables), 65536) or b""
    lines = data.decode("ascii", "replace").splitlines()
    return list(dict.fromkeys(normalize(line.strip()) for line in lines if line.strip() and not line.startswith("#") and not endpoint_problem(line.strip())))


def write_shared_with(variables, endpoints) -> None:
    """Replace the list of endpoints a yes was given for; none: no file."""
    path = paths.shared_with_file(variables)
    files.clear_damaged(path)
    if not endpoints:
        files.remove(path)
        return
    files.write_private(path, SHARED_WITH_HEADER + "".join(f"{url}\n" for url in endpoints).encode("ascii"), durable=True)


# A token as RFC 6750 writes one (b64token): nothing that could end or split a header.
TOKEN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=")


def token_problem(token):
    """None when `token` can be sent as `Authorization: Bearer <token>`; otherwise why not (never quoting it)."""
    if not token:
        return "it is empty"
    if not set(token) <= TOKEN_CHARACTERS or len(token) > 4096:
        return "it holds a character a token cannot hold (letters, digits and -._~+/= only)"
    return None


def configured_token(variables):
    """(the token for the endpoint in effect, where it was configured), or (None, None). CHEF_TELEMETRY_TOKEN
    belongs to the endpoint this environment names; `token` in the file to the endpoint the file names."""
    if variables.get("CHEF_TELEMETRY_TOKEN"):
        return variables["CHEF_TELEMETRY_TOKEN"], "CHEF_TELEMETRY_TOKEN"
    saved = read(variables)
    if saved.get("token") and normalize(saved.get("endpoint") or DEFAULT_ENDPOINT) == normalize(endpoint(variables)):
        return saved["token"], paths.settings_file(variables)
    return None, None


def token_for(variables, destination: str):
    """The token to send to `destination` (normalized), or None: only the token configured for that very
    endpoint, from the environment or the file, and only one that can be sent."""
    candidates = []
    if variables.get("CHEF_TELEMETRY_TOKEN"):
        candidates.append((variables["CHEF_TELEMETRY_TOKEN"], endpoint(variables)))
    saved = read(variables)
    if saved.get("token"):
        candidates.append((saved["token"], saved.get("endpoint") or DEFAULT_ENDPOINT))
    for token, url in candidates:
        if not endpoint_problem(url) and normalize(url) == destination:
            return None if token_problem(token) else token
    return None


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


def mode(variables) -> str:
    return MODE_LOCAL if read(variables).get("mode") == MODE_LOCAL else MODE_SHARE


def render(settings: dict) -> bytes:
    endpoint_line = f'endpoint = "{settings["endpoint"]}"' if settings.get("endpoint") else f'# endpoint = "{DEFAULT_ENDPOINT}"'
    token_line = f'token = "{settings["token"]}"' if settings.get("token") else '# token = ""'
    return f"""# chefwrap: settings for the anonymous usage data of knife, kitchen and chef.
#
# Whether data is shared at all is not set here: ~/.chef/telemetry_opt_out (not sharing), which every
# Chef tool on this host reads; ~/.chef/telemetry_opt_in (sharing with Chef, telemetry.chef.io); or
# ~/.chef/chefwrap/shared-with (sharing with the endpoints it names, and nowhere else: a new endpoint is
# asked about first). Change it with
#     chefwrap telemetry enable | disable
# or opt out anywhere with CHEF_TELEMETRY_OPT_OUT=1, DO_NOT_TRACK=1, or a .chef/telemetry_opt_out file
# in a repository. See what is collected with `chefwrap telemetry show`.

# Where events are sent (POST <endpoint>/events). CHEF_TELEMETRY_ENDPOINT overrides it.
{endpoint_line}

# A token the endpoint above asks for, sent as `Authorization: Bearer <token>` to that endpoint only
# (CHEF_TELEMETRY_TOKEN, for the endpoint CHEF_TELEMETRY_ENDPOINT names, overrides it).
{token_line}

# "share": send the events. "local": keep them in the local ledger and never send them
# (`chefwrap telemetry local`; `chefwrap telemetry enable` goes back to sharing).
mode = "{settings.get('mode', MODE_SHARE)}"
""".encode()


def write(variables, **changes) -> None:
    settings = dict(read(variables), **changes)
    files.clear_damaged(paths.settings_file(variables))
    files.write_private(paths.settings_file(variables), render(settings), durable=True)
