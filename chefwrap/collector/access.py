"""Who may post and who may erase: ingest tokens, and the erase key that proves who sent a session.

Ingest tokens (`serve --ingest-tokens FILE`): one token a line, the same for a whole team (a token says
that a poster is one of the team, never which one). With them, POST /events needs `Authorization:
Bearer <token>`; without them ingest is open to anyone who can reach the collector. Only the tokens'
SHA-256 digests are kept, and a presented token is compared with every one of them in constant time.
The file is read again on SIGHUP; a file that cannot be read then leaves the tokens as they were.

Erase keys: a client makes a random key per session (64 lowercase hexadecimal characters) and sends only
its SHA-256 (over those 64 ASCII characters) with the session's events, as `erase_key_sha256`. To
erase, it presents the key itself (`Erase-Key`); the collector erases the events whose stored hash is
the key's, comparing in constant time.
"""

import hashlib
import hmac
import re

ERASE_KEY = re.compile(r"[0-9a-f]{64}")
TOKEN = re.compile(r"[\x21-\x7e]{16,512}")  # visible ASCII: what an HTTP header carries unchanged
BEARER = b"bearer "


class TokenFileError(ValueError):
    """A token file that cannot be used; the message says which line or why, never a token."""


def digest(secret: bytes) -> bytes:
    return hashlib.sha256(secret).digest()


def read_token_file(path: str) -> tuple:
    """The SHA-256 digests of the file's tokens: one a line, blank lines and lines starting with `#` skipped."""
    try:
        with open(path, "rb") as file:
            text = file.read(1024 * 1024 + 1)
    except OSError as problem:
        raise TokenFileError(f"cannot read the ingest tokens {path}: {problem.strerror}") from None
    if len(text) > 1024 * 1024:
        raise TokenFileError(f"the ingest tokens file {path} is larger than 1 MiB")
    digests = []
    for number, line in enumerate(text.split(b"\n"), 1):
        token = line.strip()
        if not token or token.startswith(b"#"):
            continue
        if not TOKEN.fullmatch(token.decode("latin-1")):
            raise TokenFileError(f"{path} line {number}: a token is 16 to 512 visible ASCII characters, no space")
        digests.append(digest(token))
    if not digests:
        raise TokenFileError(f"{path} holds no token: ingest would refuse everyone")
    return tuple(dict.fromkeys(digests))


class IngestTokens:
    """The tokens POST /events accepts, from `path`; reload() reads the file again."""

    def __init__(self, path: str):
        self.path = path
        self.digests = read_token_file(path)

    def reload(self) -> int:
        """Read the file again (TokenFileError, the tokens unchanged, when it cannot be used); returns how many."""
        self.digests = read_token_file(self.path)
        return len(self.digests)

    def allow(self, authorization: bytes) -> bool:
        """Whether an Authorization header's value carries one of the tokens; every token is compared."""
        if authorization[: len(BEARER)].lower() != BEARER:
            return False
        presented = digest(authorization[len(BEARER) :].strip())
        found = False
        for known in self.digests:
            found |= hmac.compare_digest(presented, known)
        return found


def erase_key_hash(key: str) -> str:
    """The SHA-256 of an erase key as its client sends it with events (hex); ValueError for a malformed key."""
    if not ERASE_KEY.fullmatch(key):
        raise ValueError("Erase-Key must be 64 lowercase hexadecimal characters")
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def proves(key_hash: str):
    """A proof for Store.erase_session: whether an event's stored hash is `key_hash` (constant time)."""
    expected = key_hash.encode("ascii")
    return lambda stored: stored is not None and hmac.compare_digest(stored.encode("ascii"), expected)
