"""The instance's RSA key pair: created on first use in the instance folder (mode 0600), never in git.

One key pair signs for every actor of a site (the site actor and each collection). Each actor still publishes its own
key id, `<actor>#main-key`, whose `owner` is that actor, which is what Mastodon and Fedify check; sharing the key
material means a deployment passes a single public key to a build that runs in CI (`lectern keys public`).
RSA-2048 with RSASSA-PKCS1-v1_5 / SHA-256 is what every Fediverse server verifies (draft-cavage `rsa-sha256`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.errors import KeyFileError

logger = logging.getLogger(__name__)

PRIVATE_KEY_FILE = Path("keys") / "private-key.pem"


def private_key_path(instance_dir: Path) -> Path:
    return instance_dir / PRIVATE_KEY_FILE


def load_or_create_private_key(instance_dir: Path) -> rsa.RSAPrivateKey:
    """The instance's private key; created (RSA-2048, file mode 0600) when the instance has none yet."""
    path = private_key_path(instance_dir)
    if not path.exists():
        return _create(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise KeyFileError(
            f"{path}: cannot read the private key ({error}); restore it from a backup, or move it "
            "away to create a new one (followers' servers will refetch the new public key)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError(f"{path}: holds a {type(key).__name__}, not an RSA key; Lectern signs with RSA-2048")
    return key


def _create(path: Path) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return load_or_create_private_key(path.parent.parent)
    except OSError as error:
        raise KeyFileError(f"{path}: cannot create the private key ({error.strerror})") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    logger.info("created a new key pair in %s (first use)", path)
    return key


def public_key_pem(private_key: rsa.RSAPrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def check_public_key_pem(pem: str, where: str) -> str:
    """Validate a public key given by a deployment; returns it normalised."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise KeyFileError(
            f"{where}: is not a PEM public key ('-----BEGIN PUBLIC KEY-----' ...); "
            "print the right one with 'lectern keys public'"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyFileError(f"{where}: is not an RSA public key")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
