"""Certificate serials: unguessable, readable aloud, typo-checked.

A serial is ``RA-`` then 16 random characters of Crockford's base32 (80
bits, no I, L, O or U, so it is not misread from paper) in groups of four,
then one check character: ``RA-7K3M-9QXD-2F8P-W4TN-Q``. The check character
is the Luhn mod N algorithm over the same alphabet (N = 32): it catches every
single mistyped character and all but a few swaps of two neighbours, and it
stays in the alphabet, so a serial is safe in a URL and a QR code as it is (Crockford's
own mod-37 check adds ``* ~ $ = U``, which are not). See docs/decisions.md 13.

What people type is forgiven before it is checked (:func:`serial_normalise`):
lower case, spaces and dashes anywhere, the ``RA`` prefix or not, ``O`` for
``0`` and ``I`` or ``L`` for ``1``.
"""

from __future__ import annotations

import re
import secrets

# Crockford's base32.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "RA"
DATA_LENGTH = 16
_INDEX = {char: value for value, char in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·]+")


class SerialError(ValueError):
    """Not a serial: ``typo`` when it has the right shape but its check
    character does not match (one character mistyped, two swapped)."""

    def __init__(self, message: str, *, typo: bool = False):
        super().__init__(message)
        self.typo = typo


def check_character(data: str) -> str:
    """The Luhn mod 32 check character of ``data`` (characters of
    :data:`ALPHABET`)."""
    total = 0
    for position, char in enumerate(reversed(data)):
        value = _INDEX[char] * (2 if position % 2 == 0 else 1)
        total += value // 32 + value % 32
    return ALPHABET[-total % 32]


def serial_format(data: str) -> str:
    """The printed form of 16 data characters, with their check character."""
    groups = "-".join(data[i : i + 4] for i in range(0, DATA_LENGTH, 4))
    return f"{PREFIX}-{groups}-{check_character(data)}"


def new_serial() -> str:
    """A new unguessable serial (80 random bits)."""
    return serial_format("".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH)))


def serial_normalise(text: str) -> str:
    """The printed form of a serial as someone typed it; raises
    :class:`SerialError` for what cannot be one."""
    compact = _SEPARATORS.sub("", str(text or "")).upper()
    if compact.startswith(PREFIX) and len(compact) == len(PREFIX) + DATA_LENGTH + 1:
        compact = compact[len(PREFIX) :]
    compact = compact.translate(_READ_AS)
    if len(compact) != DATA_LENGTH + 1 or any(c not in _INDEX for c in compact):
        raise SerialError("not a certificate serial")
    data, check = compact[:DATA_LENGTH], compact[DATA_LENGTH]
    if check_character(data) != check:
        raise SerialError("the check character does not match", typo=True)
    return serial_format(data)
