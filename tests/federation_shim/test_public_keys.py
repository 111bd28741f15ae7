"""Examples of loading actors' publicKeyPem values (module federation_shim.keys)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from lectern.federation_shim.keys import public_key_from_pem


def _pem(key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def test_rsa_and_ed25519_public_keys_load(rsa_key: rsa.RSAPrivateKey, ed25519_key: ed25519.Ed25519PrivateKey) -> None:
    assert isinstance(public_key_from_pem(_pem(rsa_key.public_key())), rsa.RSAPublicKey)
    loaded = public_key_from_pem(_pem(ed25519_key.public_key()))
    assert isinstance(loaded, ed25519.Ed25519PublicKey)


def test_short_rsa_keys_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(ValueError, match="1024 bits"):
        public_key_from_pem(_pem(weak))


def test_other_key_types_are_refused() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(ValueError, match="unsupported key type"):
        public_key_from_pem(_pem(p256))


def test_text_that_is_not_pem_is_refused() -> None:
    with pytest.raises(ValueError, match="not a PEM public key"):
        public_key_from_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
