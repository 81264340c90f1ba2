"""Issue 12 item 6: wrong receipts are slowed down per address and receipt prefix, a correct receipt
is never held up by other people's mistakes, and the guessing bound is measured."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import time_machine

from integritas.cases import tracking
from integritas.cases.receipts import ALPHABET, RECEIPT_LENGTH, new_receipt
from integritas.errors import NotAuthenticated, TooManyAttempts
from integritas.security.throttle import receipt_guard
from tests.factories import submit

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
SHARED = "36.71.0.1"  # one carrier-grade NAT address for many phones


def attempt(receipt: str, address: str = SHARED) -> str:
    try:
        tracking.case_for_receipt(receipt, address)
    except TooManyAttempts:
        return "wait"
    except NotAuthenticated:
        return "wrong"
    return "open"


def random_receipt() -> str:
    return new_receipt()


def test_a_guesser_behind_the_same_address_never_holds_up_a_correct_receipt(org):
    submitted = submit(org.school, org.p_teacher)
    with time_machine.travel(T0, tick=False):
        outcomes = [attempt(random_receipt()) for _ in range(500)]
        assert outcomes.count("wrong") >= 490  # random prefixes: almost all are simply wrong
        # Someone else behind the same address keeps mistyping the end of their receipt …
        for i in range(20):
            attempt(f"ZZZZ-BBBB-CCCC-DDDD-{i:04d}")
        assert attempt("ZZZZ-BBBB-CCCC-DDDD-9999") == "wait"
        # … and the reporter, on the same address, opens the report at once, every time.
        for _ in range(3):
            assert attempt(submitted.receipt) == "open"
            assert attempt(submitted.receipt.lower().replace("-", " ")) == "open"


def test_the_guessing_bound_per_address_and_prefix_is_measured(org):
    """Guess at one prefix from one address for a simulated hour, as fast as answers allow."""
    guard = receipt_guard()
    with time_machine.travel(T0, tick=False) as clock:
        tried = 0
        end = T0 + dt.timedelta(hours=1)
        while dt.datetime.now(dt.UTC) < end:
            guess = "ABCD" + "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH - 4))
            outcome = attempt(guess, "10.0.0.66")
            if outcome == "wrong":
                tried += 1
            clock.shift(dt.timedelta(seconds=5))
    print(f"\nwrong receipts tried at one prefix from one address in an hour: {tried}")
    assert tried <= guard.guesses_per_hour() <= 12
    # What that bound means: the chance of hitting one report's receipt by guessing in an hour.
    chance = guard.guesses_per_hour() / len(ALPHABET) ** (RECEIPT_LENGTH - 4)
    assert chance < 1e-21


def test_each_further_stop_of_an_address_lasts_longer(org):
    with time_machine.travel(T0, tick=False):
        waits = []
        for prefix in ("AAAA", "BBBB", "CCCC"):
            for i in range(6):
                try:
                    tracking.case_for_receipt(f"{prefix}-{i:04d}", "10.0.0.77")
                except TooManyAttempts as exc:
                    waits.append(exc.retry_after)
                    break
                except NotAuthenticated:
                    pass
        assert len(waits) == 3
        assert waits[0] < waits[1] < waits[2]


def test_stops_are_per_address(org):
    with time_machine.travel(T0, tick=False):
        for i in range(6):
            attempt(f"QQQQ-{i:04d}", "10.0.0.1")
        assert attempt("QQQQ-7777", "10.0.0.1") == "wait"
        assert attempt("QQQQ-7777", "10.0.0.2") == "wrong"
