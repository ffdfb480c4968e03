"""PKCS#11 return values mapped to the protocol's codes (the ones SoftHSM cannot be made to
return, such as a locked PIN, included)."""

from __future__ import annotations

import threading

import pytest
from bhxh_signer.errors import SignerError
from bhxh_signer.token import LOGIN_CONSOLE, LOGIN_PAD, TokenAccess
from pkcs11 import TokenFlag
from pkcs11 import exceptions as ck


class _Token:
    """A token whose login fails with ``error``."""

    flags = 0
    label = "T"

    def __init__(self, error):
        self.error = error

    def open(self, **kwargs):
        raise self.error()


def _access(error) -> TokenAccess:
    access = TokenAccess.__new__(TokenAccess)  # no module loaded: the mapping alone
    access._lock = threading.RLock()
    access._label = None
    access._session = object()
    access._token = lambda: _Token(error)
    return access


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (ck.PinIncorrect, "signer.pin_wrong", 401),
        (ck.PinLenRange, "signer.pin_wrong", 401),
        (ck.PinLocked, "signer.pin_locked", 423),
        (ck.TokenNotPresent, "signer.token_absent", 409),
        (ck.DeviceRemoved, "signer.token_absent", 409),
        (ck.SlotIDInvalid, "signer.token_absent", 409),
        (ck.SessionHandleInvalid, "signer.token_absent", 409),
        (ck.DeviceError, "signer.token_absent", 409),
    ],
)
def test_login_error_mapped(error, code, status):
    with pytest.raises(SignerError) as refused:
        _access(error).login("1234")

    assert (refused.value.code, refused.value.status) == (code, status)
    assert refused.value.body()["message"]


def test_token_gone_forgets_the_logged_in_session():
    access = _access(ck.DeviceRemoved)

    with pytest.raises(SignerError):
        access.login("1234")

    assert access._session is None


def test_token_with_a_pin_pad_asks_on_the_pad():
    access = _access(ck.PinIncorrect)
    access._session = None
    access._token = lambda: type(
        "PadToken", (_Token,), {"flags": TokenFlag.PROTECTED_AUTHENTICATION_PATH}
    )(None)

    assert access.login_way() == LOGIN_PAD


def test_token_without_a_pin_pad_asks_on_the_console():
    access = _access(ck.PinIncorrect)
    access._session = None

    assert access.login_way() == LOGIN_CONSOLE
