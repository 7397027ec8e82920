"""Field encryption for personal data: AES-256-GCM with a key version prefix, plus an HMAC
blind index so an encrypted ID number can still be looked up and kept unique.

Keys come from QUNFANG_FIELD_KEYS ("v1:<base64 32 bytes>,v2:…"; the first is used to encrypt,
all are tried to decrypt, which lets keys rotate) and QUNFANG_INDEX_KEY (base64 32 bytes; it
never rotates, or every index would change), or, for a demo, from var/field.key and
var/index.key. The cipher is one class so an SM4-GCM implementation can replace it
(GB/T 39786, SECURITY.md).
"""

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from config.env import env_secret


class DecryptionError(ValueError):
    pass


class FieldCipher:
    def __init__(self, keys: dict[str, bytes], current: str, index_key: bytes) -> None:
        self.keys = keys
        self.current = current
        self._aead = {version: AESGCM(key) for version, key in keys.items()}
        # HMAC-SHA256 (RFC 2104) with the keyed inner and outer states computed once: each
        # index then costs two copies instead of a fresh HMAC set-up (imports index 100,000).
        block = index_key if len(index_key) <= 64 else hashlib.sha256(index_key).digest()
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def encrypt(self, plaintext: str) -> str:
        if plaintext == "":
            return ""
        nonce = os.urandom(12)
        sealed = self._aead[self.current].encrypt(nonce, plaintext.encode("utf-8"), None)
        return f"{self.current}:" + base64.b64encode(nonce + sealed).decode("ascii")

    def encrypt_many(self, plaintexts: Sequence[str]) -> list[str]:
        """encrypt() of each value, with the random nonces drawn in one call."""
        aead = self._aead[self.current].encrypt
        prefix = f"{self.current}:"
        b64 = binascii.b2a_base64
        nonces = os.urandom(12 * len(plaintexts))
        tokens: list[str] = []
        append = tokens.append
        for position, plaintext in enumerate(plaintexts):
            if plaintext == "":
                append("")
                continue
            nonce = nonces[12 * position : 12 * position + 12]
            sealed = aead(nonce, plaintext.encode("utf-8"), None)
            append(prefix + b64(nonce + sealed, newline=False).decode("ascii"))
        return tokens

    def decrypt(self, token: str) -> str:
        if token == "":
            return ""
        version, _, body = token.partition(":")
        aead = self._aead.get(version)
        if aead is None:
            raise DecryptionError(f"unknown key version {version!r}")
        raw = base64.b64decode(body)
        try:
            return aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except InvalidTag:
            raise DecryptionError("ciphertext was altered or the key is wrong") from None

    def blind_index(self, value: str) -> str:
        """A keyed hash: equal values give equal indexes; the value cannot be recovered."""
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def blind_indexes(self, values: Sequence[str]) -> list[str]:
        inner_state, outer_state = self._inner, self._outer
        indexes: list[str] = []
        for value in values:
            inner = inner_state.copy()
            inner.update(value.encode("utf-8"))
            outer = outer_state.copy()
            outer.update(inner.digest())
            indexes.append(outer.hexdigest())
        return indexes


def _parse_keys(raw: str) -> tuple[dict[str, bytes], str]:
    keys: dict[str, bytes] = {}
    for item in raw.split(","):
        version, _, encoded = item.strip().partition(":")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise ValueError(f"field key {version} must be 32 bytes")
        keys[version] = key
    return keys, next(iter(keys))


@lru_cache(maxsize=1)
def cipher() -> FieldCipher:
    raw = os.environ.get("QUNFANG_FIELD_KEYS")
    if not raw:
        demo_key = env_secret(
            "QUNFANG_FIELD_KEY_DEMO", settings.VAR_DIR / "field.key", generate=_new_key
        )
        raw = f"v1:{demo_key}"
    keys, current = _parse_keys(raw)
    index_key = env_secret("QUNFANG_INDEX_KEY", settings.VAR_DIR / "index.key", generate=_new_key)
    return FieldCipher(keys, current, base64.b64decode(index_key))


def _new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


def encrypt(value: str) -> str:
    return cipher().encrypt(value)


def encrypt_many(values: Sequence[str]) -> list[str]:
    return cipher().encrypt_many(values)


def decrypt(token: str) -> str:
    return cipher().decrypt(token)


def blind_index(value: str) -> str:
    return cipher().blind_index(value)


def blind_indexes(values: Sequence[str]) -> list[str]:
    return cipher().blind_indexes(values)
