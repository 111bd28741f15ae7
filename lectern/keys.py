"""The instance's RSA key pair: created on first use in the instance folder (mode 0600), never in git.

The key file is written whole or not at all (`lectern.atomic_files`): a full disk or a kill while it is created leaves
no key file, so the next command simply creates one. A key file that is empty or unreadable anyway (copied badly,
truncated by hand) stops every command with one line saying what to do; it is never replaced silently, since the
site's followers know its public key.

One key pair signs for every actor of a site (the site actor and each collection). Each actor still publishes its own
key id, `<actor>#main-key`, whose `owner` is that actor, which is what Mastodon and Fedify check; sharing the key
material means a deployment passes a single public key to a build that runs in CI (`lectern keys public`).
RSA-2048 with RSASSA-PKCS1-v1_5 / SHA-256 is what every Fediverse server verifies (draft-cavage `rsa-sha256`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lectern.atomic_files import create_file
from lectern.errors import KeyFileError

if TYPE_CHECKING:  # imported where used: a build that finds its public key in the build cache never loads them
    from cryptography.hazmat.primitives.asymmetric import rsa

logger = logging.getLogger(__name__)

PRIVATE_KEY_FILE = Path("keys") / "private-key.pem"


def private_key_path(instance_dir: Path) -> Path:
    return instance_dir / PRIVATE_KEY_FILE


def load_or_create_private_key(instance_dir: Path) -> rsa.RSAPrivateKey:
    """The instance's private key; created (RSA-2048, file mode 0600) when the instance has none yet."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = private_key_path(instance_dir)
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return _create(path)
    except OSError as error:
        raise KeyFileError(f"{path}: cannot read the private key ({error.strerror})") from None
    if not pem.strip():
        raise KeyFileError(
            f"{path}: is empty ({len(pem)} bytes), so it holds no key (an interrupted write, e.g. on a full disk, "
            "leaves such a file); restore it from a backup, or delete it and run the command again to create a new "
            "key pair (followers' servers will refetch the new public key)"
        )
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        raise KeyFileError(f"{path}: the private key is encrypted; Lectern needs it without a passphrase") from None
    except ValueError:
        raise KeyFileError(
            f"{path}: is not a readable PEM private key ({len(pem)} bytes); restore it from a backup, or move it "
            "away to create a new one (followers' servers will refetch the new public key)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError(f"{path}: holds a {type(key).__name__}, not an RSA key; Lectern signs with RSA-2048")
    return key


def _create(path: Path) -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = create_file(path, pem, mode=0o600)
    except OSError as error:
        raise KeyFileError(
            f"{path}: cannot create the private key ({error.strerror}); nothing was written: "
            "fix that (free some disk space) and run the command again"
        ) from None
    if not created:  # another process created it first: use theirs
        return load_or_create_private_key(path.parent.parent)
    logger.info("created a new key pair in %s (first use)", path)
    return key


def public_key_pem(private_key: rsa.RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def check_public_key_pem(pem: str, where: str) -> str:
    """Validate a public key given by a deployment; returns it normalised."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

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
