"""Erase keys: proof that this machine sent a session, so that only it can have that session erased.

A session's key is HMAC-SHA256 of its id under a random secret of this user's (~/.chef/chefwrap/
erase-secret, 0600, made with the first event to be shared): 64 lowercase hex characters, known only
here, and sent only to ask for the session's erasure (`chefwrap telemetry forget`: header `Erase-Key`).
Every event carries the SHA-256 of the key's 64 ASCII characters (`erase_key_sha256`), so a collector
can check a key without ever holding one. The secret is kept as long as any session sent with it is not
yet erased: it survives `chefwrap uninstall` with the record of sent sessions.

Used on the shim's hot path: os and _sha256 (hashlib, which loads OpenSSL, only where that is missing).
"""

import os

from chefwrap import files, paths

FIELD = "erase_key_sha256"
SECRET_BYTES = 32
HEX = frozenset("0123456789abcdef")


def sha256(data: bytes):
    try:
        from _sha256 import sha256 as digest  # a small builtin module: 0.2 ms, against hashlib's 3 ms
    except ImportError:
        from hashlib import sha256 as digest
    return digest(data)


def hmac_sha256(key: bytes, message: bytes) -> str:
    """RFC 2104's HMAC with SHA-256, as hex (hmac.new(key, message, "sha256").hexdigest())."""
    if len(key) > 64:
        key = sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = sha256(bytes(byte ^ 0x36 for byte in key) + message).digest()
    return sha256(bytes(byte ^ 0x5C for byte in key) + inner).hexdigest()


def secret(variables, make: bool = True):
    """This user's secret (bytes); made when missing or damaged if `make`, else None."""
    path = paths.erase_secret(variables)
    found = _read(path)
    if found is not None or not make:
        return found
    files.clear_damaged(path)
    new = os.urandom(SECRET_BYTES).hex().encode()
    if not files.create_private(path, new) and _read(path) is None:
        files.write_private(path, new, durable=True)  # what stood there could never have made a key
    return _read(path)


def _read(path):
    data = (files.read_private(path, 256) or b"").strip()
    text = data.decode("ascii", "replace")
    return bytes.fromhex(text) if len(text) == 2 * SECRET_BYTES and set(text) <= HEX else None


def key(secret_bytes: bytes, session_id: str) -> str:
    """The session's erase key: 64 lowercase hex characters."""
    return hmac_sha256(secret_bytes, session_id.encode("ascii", "replace"))


def key_hash(erase_key: str) -> str:
    """What events carry: the SHA-256 of the key's 64 ASCII characters, as 64 lowercase hex characters."""
    return sha256(erase_key.encode("ascii")).hexdigest()


def hash_for(variables, session_id: str, make: bool = True):
    """The `erase_key_sha256` of a session's events; None when there is no secret and none may be made."""
    found = secret(variables, make)
    return None if found is None else key_hash(key(found, session_id))
