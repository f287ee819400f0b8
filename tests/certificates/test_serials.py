"""Serials: unguessable, with a check character, forgiving of how people type
them (``certificates.serials``)."""

from __future__ import annotations

import itertools
import re

import pytest

from certificates.serials import (
    ALPHABET,
    SerialError,
    check_character,
    new_serial,
    serial_format,
    serial_normalise,
)

SHAPE = re.compile(r"^RA-([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]$")


def test_a_new_serial_has_four_groups_and_a_check_character():
    serials = {new_serial() for _ in range(2_000)}
    assert len(serials) == 2_000
    for serial in serials:
        assert SHAPE.match(serial), serial
        assert serial_normalise(serial) == serial


@pytest.mark.parametrize(
    "typed",
    [
        "ra-{a}-{b}-{c}-{d}-{e}",
        "RA{a}{b}{c}{d}{e}",
        "{a}{b}{c}{d}{e}",
        "  RA {a} {b} {c} {d} {e} ",
        "ra-{a}-{b}-{c}-{d}-{e}".lower(),
    ],
)
def test_what_people_type_is_read_as_the_serial(typed):
    serial = serial_format("0123456789ABCDEF")
    a, b, c, d, e = serial.split("-")[1:]
    assert serial_normalise(typed.format(a=a, b=b, c=c, d=d, e=e)) == serial


def test_o_is_read_as_zero_and_i_or_l_as_one():
    serial = serial_format("0011223344556677")
    typed = serial.replace("0", "O").replace("1", "l").lower()
    assert serial_normalise(typed) == serial
    assert serial_normalise(serial.replace("1", "I")) == serial


def test_every_single_mistyped_character_is_caught_as_a_typo():
    serial = new_serial()
    compact = serial[3:].replace("-", "")
    for position in range(len(compact)):
        for char in ALPHABET:
            if char == compact[position]:
                continue
            typed = compact[:position] + char + compact[position + 1 :]
            with pytest.raises(SerialError) as caught:
                serial_normalise(typed)
            assert caught.value.typo


def test_almost_every_swap_of_neighbours_is_caught():
    missed = sum(
        check_character(a + b + "0" * 14) == check_character(b + a + "0" * 14)
        for a, b in itertools.permutations(ALPHABET, 2)
    )
    assert missed <= 2  # of 992 ordered pairs


@pytest.mark.parametrize(
    "text", ["", "RA-", "hello", "RA-0000-0000-0000-0000", "RA-UUUU-0000-0000-0000-0"]
)
def test_what_cannot_be_a_serial_is_not_a_typo(text):
    with pytest.raises(SerialError) as caught:
        serial_normalise(text)
    assert not caught.value.typo
