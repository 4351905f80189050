"""The service's one secret: an Ed25519 key file (0600) that signs checkpoints. Every further
secret is derived from it (HKDF with a label of its own), so there is one file to deploy.

A configured key file that does not exist is an error unless creation is asked for (``lianping
audit keygen``, ``serve --demo``, LIANPING_CREATE_SIGNING_KEY): a silently new key would sign
checkpoints nobody can match with the old public key. A key file that others may read is
refused."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_MODE = 0o600


class SigningKeyError(Exception):
    """The signing key file is missing, unreadable, too open or not an Ed25519 key."""


def create_signing_key(path: str, *, exist_ok: bool = False) -> bool:
    """Write a new key to ``path`` (mode 0600); True if written. An existing file is never
    overwritten: it is an error, or with ``exist_ok`` nothing happens (False)."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: when several processes start at once, exactly one writes the key.
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        if exist_ok:
            return False
        raise SigningKeyError(
            f"签名密钥文件已存在，拒绝覆盖: {path} (the signing key file exists; refusing to "
            "overwrite it: checkpoints signed with it could no longer be checked)"
        ) from None
    with os.fdopen(fd, "wb") as out:  # 0600 (a umask can only take bits away)
        out.write(pem)
    return True


def load_signing_key(path: str, *, create: bool = False) -> Ed25519PrivateKey:
    file = Path(path)
    if create:
        create_signing_key(path, exist_ok=True)
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise SigningKeyError(
            f"签名密钥文件不存在: {path} (no signing key at LIANPING_SIGNING_KEY_FILE={path}; "
            "create it once with `lianping audit keygen`, or point the setting at the key "
            "this service has been using)"
        ) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(
            f"签名密钥文件权限过宽: {path} (mode {stat.S_IMODE(mode):04o}: group or others may "
            f"access the signing key; run `chmod 600 {path}`)"
        )
    try:
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(f"cannot read the signing key {path}: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def derived_key(key: Ed25519PrivateKey, purpose: bytes) -> bytes:
    """A secret of its own for one purpose (HKDF-SHA256 of the signing key, info = the label):
    knowing it reveals neither the signing key nor any other purpose's secret."""
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lianping/v1/" + purpose
    ).derive(raw)


def derive_secret(key: Ed25519PrivateKey, purpose: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under the purpose's derived key (e.g. replayable tokens)."""
    return hmac.new(derived_key(key, purpose), message, hashlib.sha256).digest()
