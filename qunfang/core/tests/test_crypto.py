import base64
import os

import pytest

from qunfang.core.crypto import DecryptionError, FieldCipher, blind_index, decrypt, encrypt


def key() -> bytes:
    return os.urandom(32)


def test_values_round_trip_and_never_appear_in_clear():
    token = encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert decrypt(token) == "11010519491231002X"
    assert encrypt("11010519491231002X") != token  # fresh nonce each time


def test_a_flipped_byte_is_detected():
    token = encrypt("13812345678")
    version, _, body = token.partition(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt(f"{version}:{base64.b64encode(bytes(raw)).decode()}")


def test_old_rows_still_decrypt_after_a_key_rotation():
    v1, v2, index_key = key(), key(), key()
    old = FieldCipher({"v1": v1}, "v1", index_key)
    new = FieldCipher({"v2": v2, "v1": v1}, "v2", index_key)
    token = old.encrypt("秘密")
    assert new.decrypt(token) == "秘密"
    assert new.encrypt("秘密").startswith("v2:")
    assert new.blind_index("x") == old.blind_index("x")


def test_the_blind_index_is_stable_and_keyed():
    assert blind_index("11010519491231002X") != blind_index("110105194912310021")
    other = FieldCipher({"v1": key()}, "v1", key())
    assert other.blind_index("11010519491231002X") != blind_index("11010519491231002X")


@pytest.mark.parametrize("length", [16, 32, 64, 100])
def test_the_blind_index_is_plain_hmac_sha256_whatever_the_key_length(length):
    import hmac

    index_key = os.urandom(length)
    cipher = FieldCipher({"v1": key()}, "v1", index_key)
    for value in ("11010519491231002X", "", "王秀英"):
        expected = hmac.digest(index_key, value.encode(), "sha256").hex()
        assert cipher.blind_index(value) == expected
    assert cipher.blind_indexes(["a", "b"]) == [cipher.blind_index("a"), cipher.blind_index("b")]


def test_encrypting_many_values_gives_tokens_that_decrypt_with_fresh_nonces():
    cipher = FieldCipher({"v1": key()}, "v1", key())
    values = ["13812345678", "", "13812345678", "秘密"]
    tokens = cipher.encrypt_many(values)
    assert [cipher.decrypt(token) for token in tokens] == values
    assert tokens[1] == ""
    assert tokens[0] != tokens[2]
    assert all(token.startswith("v1:") for token in tokens if token)


def _sealed_in_worker(value: str) -> tuple[str, str]:
    from qunfang.core.crypto import blind_index, encrypt_many

    return encrypt_many([value])[0], blind_index(value)


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"
)
def test_a_forked_worker_encrypts_and_indexes_with_the_parents_keys(monkeypatch):
    # Large imports encrypt in forked worker processes; the importer decrypts and looks up.
    # The keys the importer loaded are the ones a worker uses, whatever the environment says
    # by the time it runs.
    import multiprocessing

    from qunfang.core.crypto import cipher

    def fresh_key() -> str:
        return "v9:" + base64.b64encode(os.urandom(32)).decode("ascii")

    monkeypatch.setenv("QUNFANG_FIELD_KEYS", fresh_key())
    cipher.cache_clear()
    try:
        cipher()  # as a pooled import does before forking
        monkeypatch.setenv("QUNFANG_FIELD_KEYS", fresh_key())
        with multiprocessing.get_context("fork").Pool(1) as pool:
            token, index = pool.apply(_sealed_in_worker, ("14052519500308002X",))
        assert decrypt(token) == "14052519500308002X"
        assert index == blind_index("14052519500308002X")
    finally:
        cipher.cache_clear()
