import base64
import json
import os
import stat
from pathlib import Path

import pytest

from common import pii
from common.errors import ValidationFailed
from common.pii import DecryptionFailed, NationalIdProtector, PiiKeysInvalid

NIN = "109870123456781234"
HASH_KEY = b"h" * 32
KEY_1 = b"1" * 32
KEY_2 = b"2" * 32


def protector(
    hash_key: bytes = HASH_KEY, key: bytes = KEY_1, key_id: str = "k1", **older: bytes
) -> NationalIdProtector:
    return NationalIdProtector(hash_key, key, key_id=key_id, older_keys=older)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.mark.parametrize("raw", [NIN, "1098 7012 3456 7812 34", f"  {NIN}\t", "١٠٩٨٧٠١٢٣٤٥٦٧٨١٢٣٤"])
def test_normalise_accepts_spaces_and_arabic_digits(raw: str) -> None:
    assert pii.normalise_nin(raw) == NIN


@pytest.mark.parametrize("raw", ["", "12345", NIN + "5", NIN[:-1] + "X", NIN[:9] + "-" + NIN[9:17], "²" * 18])
def test_malformed_nins_are_refused_without_echoing_them(raw: str) -> None:
    assert not pii.is_valid_nin(raw)
    with pytest.raises(ValidationFailed) as caught:
        pii.normalise_nin(raw)
    assert caught.value.details == {"field": "national_id", "code": "nin_malformed"}
    if raw:
        assert raw not in str(caught.value) and raw not in repr(caught.value.args)


def test_lookup_hash_is_stable_per_key_and_differs_across_keys() -> None:
    one = protector()
    assert one.lookup_hash(NIN) == protector(key=KEY_2).lookup_hash("1098 7012 3456 7812 34")
    assert len(one.lookup_hash(NIN)) == 64
    assert one.lookup_hash(NIN) != protector(hash_key=b"x" * 32).lookup_hash(NIN)
    assert one.lookup_hash(NIN) != one.lookup_hash("109870123456781235")


def test_encrypt_decrypt_round_trip_with_key_id_prefix() -> None:
    p = protector()
    token = p.encrypt("1098 7012 3456 7812 34")
    assert token.startswith("k1:")
    assert NIN not in token
    assert p.decrypt(token) == NIN
    assert p.encrypt(NIN) != token  # fresh nonce each time


def test_rotation_keeps_old_tokens_readable() -> None:
    before = protector(key=KEY_1, key_id="k1")
    old_token = before.encrypt(NIN)
    after = protector(key=KEY_2, key_id="k2", k1=KEY_1)
    new_token = after.encrypt(NIN)
    assert new_token.startswith("k2:")
    assert after.decrypt(old_token) == after.decrypt(new_token) == NIN
    assert after.needs_rotation(old_token) and not after.needs_rotation(new_token)
    with pytest.raises(DecryptionFailed) as caught:
        before.decrypt(new_token)
    assert caught.value.code == "unknown_key_id"


def test_wrong_key_fails_cleanly() -> None:
    token = protector(key=KEY_1).encrypt(NIN)
    with pytest.raises(DecryptionFailed) as caught:
        protector(key=KEY_2).decrypt(token)
    assert caught.value.code == "token_not_authentic"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_token_cannot_be_relabelled_to_another_key_id() -> None:
    p = protector(key=KEY_1, key_id="k1", k0=KEY_1)
    body = p.encrypt(NIN).partition(":")[2]
    with pytest.raises(DecryptionFailed) as caught:
        p.decrypt("k0:" + body)
    assert caught.value.code == "token_not_authentic"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("garbage", "token_malformed"),
        ("k1:", "token_malformed"),
        ("k1:%%%", "token_malformed"),
        ("k1:AAAA", "token_malformed"),
    ],
)
def test_malformed_tokens(token: str, code: str) -> None:
    with pytest.raises(DecryptionFailed) as caught:
        protector().decrypt(token)
    assert caught.value.code == code


def test_tampered_token_is_refused() -> None:
    p = protector()
    token = p.encrypt(NIN)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionFailed):
        p.decrypt(flipped)


def test_mask_shows_the_last_four_digits() -> None:
    assert pii.mask(NIN) == "**************1234"
    assert pii.mask("1098 7012 3456 7812 34") == "**************1234"
    masked = protector().protect(NIN)
    assert masked.masked == "**************1234"
    assert protector().decrypt(masked.ciphertext) == NIN


def test_nothing_secret_in_reprs_or_errors() -> None:
    p = protector()
    text = repr(p) + str(p)
    assert "k1" in text
    for secret in (NIN, KEY_1.decode(), HASH_KEY.decode(), b64(KEY_1)):
        assert secret not in text
    assert NIN not in repr(p.protect(NIN))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"hash_key": b"short"}, "hash_key_short"),
        ({"key": b"short"}, "encryption_key_size"),
        ({"key_id": "k:1"}, "key_id_malformed"),
        ({"key_id": "k1", "k1": KEY_2}, "key_id_duplicate"),
    ],
)
def test_bad_keys_are_refused(kwargs: dict, code: str) -> None:
    with pytest.raises(PiiKeysInvalid) as caught:
        protector(**kwargs)
    assert caught.value.code == code


def test_from_env_reads_current_and_older_keys() -> None:
    old_token = protector(key=KEY_1, key_id="k1").encrypt(NIN)
    env = {"PII_HASH_KEY": b64(HASH_KEY), "PII_ENCRYPTION_KEYS": f"k2:{b64(KEY_2)}, k1:{b64(KEY_1)}"}
    p = NationalIdProtector.from_env(env)
    assert p.current_key_id == "k2"
    assert p.decrypt(old_token) == NIN
    assert p.lookup_hash(NIN) == protector().lookup_hash(NIN)


def test_from_env_accepts_url_safe_base64_without_padding() -> None:
    key = bytes(range(200, 232))
    env = {
        "PII_HASH_KEY": base64.urlsafe_b64encode(HASH_KEY).decode().rstrip("="),
        "PII_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(key).decode().rstrip("="),
    }
    assert NationalIdProtector.from_env(env).decrypt(protector(key=key).encrypt(NIN)) == NIN


@pytest.mark.parametrize(
    ("env", "code"),
    [
        ({"PII_HASH_KEY": b64(HASH_KEY)}, "keys_incomplete"),
        ({"PII_ENCRYPTION_KEYS": f"k1:{b64(KEY_1)}"}, "keys_incomplete"),
        ({"PII_HASH_KEY": "not base64!", "PII_ENCRYPTION_KEYS": f"k1:{b64(KEY_1)}"}, "key_not_base64"),
        ({"PII_HASH_KEY": b64(HASH_KEY), "PII_ENCRYPTION_KEYS": b64(KEY_1)}, "key_list_malformed"),
        (
            {"PII_HASH_KEY": b64(HASH_KEY), "PII_ENCRYPTION_KEYS": f"k1:{b64(KEY_1)},k1:{b64(KEY_2)}"},
            "key_id_duplicate",
        ),
    ],
)
def test_from_env_refuses_half_or_malformed_configuration(env: dict[str, str], code: str) -> None:
    with pytest.raises(PiiKeysInvalid) as caught:
        NationalIdProtector.from_env(env)
    assert caught.value.code == code
    assert b64(KEY_1) not in str(caught.value) and b64(HASH_KEY) not in str(caught.value)


def test_dev_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    key_file = tmp_path / "nested" / "pii-keys.json"
    first = NationalIdProtector.from_env({"PII_KEY_FILE": str(key_file)})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = json.loads(key_file.read_text())
    assert set(content) == {"hash_key", "encryption_keys"}
    assert content["encryption_keys"].startswith("k1:")
    second = NationalIdProtector.from_env({"PII_KEY_FILE": str(key_file)})
    assert second.decrypt(first.encrypt(NIN)) == NIN
    assert second.lookup_hash(NIN) == first.lookup_hash(NIN)
    assert [p.name for p in key_file.parent.iterdir()] == ["pii-keys.json"]


def test_default_key_file_lives_under_dot_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    NationalIdProtector.from_env({})
    assert (tmp_path / ".data" / "pii-keys.json").is_file()


def test_environment_wins_over_the_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "pii-keys.json"
    env = {"PII_HASH_KEY": b64(HASH_KEY), "PII_ENCRYPTION_KEYS": f"k1:{b64(KEY_1)}", "PII_KEY_FILE": str(key_file)}
    NationalIdProtector.from_env(env)
    assert not key_file.exists()


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    key_file = tmp_path / "pii-keys.json"
    key_file.write_text(json.dumps({"hash_key": b64(HASH_KEY), "encryption_keys": f"k7:{b64(KEY_1)}"}))
    os.chmod(key_file, 0o600)
    assert NationalIdProtector.from_env({"PII_KEY_FILE": str(key_file)}).current_key_id == "k7"


def test_unreadable_key_file_fails_cleanly(tmp_path: Path) -> None:
    key_file = tmp_path / "pii-keys.json"
    key_file.write_text("{not json")
    with pytest.raises(PiiKeysInvalid) as caught:
        NationalIdProtector.from_env({"PII_KEY_FILE": str(key_file)})
    assert caught.value.code == "key_file_unreadable"


def test_key_file_that_cannot_be_created_fails_cleanly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(PiiKeysInvalid) as caught:
        NationalIdProtector.from_env({"PII_KEY_FILE": str(blocker / "pii-keys.json")})
    assert caught.value.code == "key_file_unwritable"
    assert "PII_HASH_KEY" in str(caught.value)
