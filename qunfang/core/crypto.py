"""Field encryption for personal data: AES-256-GCM with a key version prefix, plus an HMAC
blind index so an encrypted ID number can still be looked up and kept unique.

Keys come from QUNFANG_FIELD_KEYS ("v1:<base64 32 bytes>,v2:…"; the first is used to encrypt,
all are tried to decrypt, which lets keys rotate) and QUNFANG_INDEX_KEY (base64 32 bytes; it
never rotates, or every index would change), or, for a demo, from var/field.key and
var/index.key. The cipher is one class so an SM4-GCM implementation can replace it
(GB/T 39786, SECURITY.md).
"""

import base64
import hmac
import os
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
        self._index_key = index_key

    def encrypt(self, plaintext: str) -> str:
        if plaintext == "":
            return ""
        nonce = os.urandom(12)
        sealed = self._aead[self.current].encrypt(nonce, plaintext.encode("utf-8"), None)
        return f"{self.current}:" + base64.b64encode(nonce + sealed).decode("ascii")

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
        return hmac.digest(self._index_key, value.encode("utf-8"), "sha256").hex()


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


def decrypt(token: str) -> str:
    return cipher().decrypt(token)


def blind_index(value: str) -> str:
    return cipher().blind_index(value)
