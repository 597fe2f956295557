"""Credential resolution and the Redactor."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse

import pytest

from harness.errors import SecretError
from harness.inventory.models import CredentialRef, KeyringRef
from harness.secrets import MASK, Redactor, RedactingFilter, resolve_credential

SECRET = "Pa$$ w0rd'人事\""


@pytest.fixture
def redactor() -> Redactor:
    r = Redactor()
    r.register(SECRET)
    return r


def test_plain_and_encoded_forms_are_redacted(redactor: Redactor) -> None:
    forms = [
        SECRET,
        urllib.parse.quote(SECRET, safe=""),
        urllib.parse.quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(SECRET.encode("utf-16-le")).decode(),
    ]
    for form in forms:
        out = redactor.redact(f"before {form} after")
        assert form not in out and MASK in out, form


def test_secret_inside_a_longer_base64_text_at_any_alignment(redactor: Redactor) -> None:
    for prefix in (b"", b"x", b"xy", b"xyz"):
        for enc in ("utf-8", "utf-16-le"):
            blob = base64.b64encode(prefix + SECRET.encode(enc) + b"tail").decode()
            out = redactor.redact(blob)
            assert MASK in out
            # at most two base64 characters of the secret's encoding survive on each side
            head, _, tail = out.partition(MASK)
            secret_len = len(base64.b64encode(SECRET.encode(enc)))
            assert len(blob) - len(head) - len(tail) >= secret_len - 4


def test_nested_values_and_bytes(redactor: Redactor) -> None:
    assert redactor.redact_obj({"a": [SECRET, 1], SECRET: None}) == {"a": [MASK, 1], MASK: None}
    assert redactor.redact_bytes(SECRET.encode()) == MASK


def test_nothing_registered_means_unchanged() -> None:
    assert Redactor().redact("text") == "text"


def test_env_credential_registers_the_secret() -> None:
    ref = CredentialRef(username="HV-LAB01\\rh-operator", password_env="RH_T_PW")
    cred = resolve_credential(ref, environ={"RH_T_PW": "unique-env-secret-1"})
    assert cred.username == "HV-LAB01\\rh-operator" and cred.password.get_secret_value() == "unique-env-secret-1"
    assert "unique-env-secret-1" not in repr(cred) + str(cred) + repr(cred.password) + str(cred.password)
    assert "unique-env-secret-1" not in repr(cred)
    from harness.secrets import redact

    assert redact("x unique-env-secret-1 y") == f"x {MASK} y"


def test_unset_env_var_says_which_and_how() -> None:
    ref = CredentialRef(username="u", password_env="RH_NOT_SET_ANYWHERE")
    with pytest.raises(SecretError, match="RH_NOT_SET_ANYWHERE is not set.*export RH_NOT_SET_ANYWHERE"):
        resolve_credential(ref, purpose="host HV-LAB01", environ={})


def test_username_from_env() -> None:
    ref = CredentialRef(username_env="RH_NAS_USER", password_env="RH_NAS_PASSWORD")
    cred = resolve_credential(ref, environ={"RH_NAS_USER": "NAS01\\backup", "RH_NAS_PASSWORD": "nas-secret-22"})
    assert cred.username == "NAS01\\backup"
    with pytest.raises(SecretError, match="RH_NAS_USER"):
        resolve_credential(ref, environ={"RH_NAS_PASSWORD": "x"})


def test_keyring_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.secrets as s

    store = {("restore-harness", "svc"): "keyring-secret-33"}
    monkeypatch.setattr(s, "_keyring_get", lambda service, name: store.get((service, name)))
    ref = CredentialRef(username="svc", keyring=KeyringRef(service="restore-harness"))
    assert resolve_credential(ref).password.get_secret_value() == "keyring-secret-33"
    missing = CredentialRef(username="other", keyring=KeyringRef(service="restore-harness"))
    with pytest.raises(SecretError, match="keyring set restore-harness other"):
        resolve_credential(missing)


def test_log_records_of_harness_loggers_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    from harness.secrets import register_secret

    register_secret("log-secret-44")
    with caplog.at_level(logging.INFO):
        logging.getLogger("harness.remote.test").info("password is %s", "log-secret-44")
        try:
            raise RuntimeError("boom log-secret-44")
        except RuntimeError:
            logging.getLogger("harness.x").exception("failed with %r", {"pw": "log-secret-44"})
    text = caplog.text
    assert "log-secret-44" not in text and MASK in text and "boom" in text


def test_filter_for_other_handlers(redactor: Redactor) -> None:
    record = logging.LogRecord("other", logging.INFO, __file__, 1, "value %s", (SECRET,), None)
    RedactingFilter(redactor).filter(record)
    assert record.getMessage() == f"value {MASK}"
