"""Payments behind a Protocol. The sandbox provider is built in for development, tests and
benchmarks; a real provider (Alipay+, Adyen, Stripe...) implements the same four calls and is
chosen by ``RINGFENCE_PAYMENT_PROVIDER`` in :func:`provider_for`.

Every charge carries a reference (the order id, recorded in the order's payment intent before
the provider is called): ``authorize`` with a reference it has seen returns the same payment,
and :meth:`PaymentProvider.find` answers what became of a reference, which is how the shop
reconciles a payment whose outcome it failed to record (shop/service.py:
``reconcile_intents``)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Protocol


@dataclass
class PaymentError(Exception):
    """The payment did not go through; ``code`` says why (declined, timeout...)."""

    code: str
    msg: str

    def __str__(self) -> str:
        return self.msg


@dataclass(frozen=True, slots=True)
class Charge:
    """What the provider holds under a reference."""

    payment_id: str
    amount_minor: int
    currency: str
    captured: bool
    refunded_minor: int = 0


class PaymentProvider(Protocol):
    def authorize(self, *, reference: str, amount_minor: int, currency: str, token: str) -> str:
        """Reserve the amount on the buyer's means of payment; return the provider's payment
        id. Raises PaymentError. ``reference`` (the order id) makes a retry idempotent."""
        ...

    def capture(self, payment_id: str) -> None:
        """Take the authorised amount (again: nothing more is taken). Raises PaymentError."""
        ...

    def find(self, reference: str) -> Charge | None:
        """The payment made under ``reference``, or None when there is none. Raises
        PaymentError when the provider cannot tell (it does not answer)."""
        ...

    def refund(self, payment_id: str, amount_minor: int) -> None:
        """Give back (part of) a captured amount. Raises PaymentError."""
        ...


# Sandbox tokens: any other token is a card that pays.
DECLINED = "tok_declined"
TIMEOUT = "tok_timeout"
CAPTURE_FAILS = "tok_capture_fails"


@dataclass
class _Payment:
    amount: int
    currency: str
    token: str
    captured: bool = False
    refunded: int = 0


class SandboxProvider:
    """In memory, deterministic by token: ``tok_declined`` is declined at authorisation,
    ``tok_timeout`` times out, ``tok_capture_fails`` authorises but fails at capture."""

    def __init__(self) -> None:
        self._payments: dict[str, _Payment] = {}
        self._by_reference: dict[str, str] = {}
        self._lock = threading.Lock()

    def authorize(self, *, reference: str, amount_minor: int, currency: str, token: str) -> str:
        if token == DECLINED:
            raise PaymentError("payment_declined", "the card was declined")
        if token == TIMEOUT:
            raise PaymentError("payment_timeout", "the payment provider did not answer in time")
        with self._lock:
            if reference in self._by_reference:
                return self._by_reference[reference]
            payment_id = "pay_" + secrets.token_hex(8)
            self._payments[payment_id] = _Payment(amount_minor, currency, token)
            self._by_reference[reference] = payment_id
            return payment_id

    def capture(self, payment_id: str) -> None:
        with self._lock:
            payment = self._payments[payment_id]
            if payment.token == CAPTURE_FAILS:
                raise PaymentError("capture_failed", "the authorised amount could not be taken")
            payment.captured = True

    def find(self, reference: str) -> Charge | None:
        with self._lock:
            payment_id = self._by_reference.get(reference)
            if payment_id is None:
                return None
            p = self._payments[payment_id]
            return Charge(payment_id, p.amount, p.currency, p.captured, p.refunded)

    def refund(self, payment_id: str, amount_minor: int) -> None:
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None or not payment.captured:
                raise PaymentError("refund_failed", "nothing captured to refund")
            if payment.refunded + amount_minor > payment.amount:
                raise PaymentError("refund_failed", "refund exceeds the captured amount")
            payment.refunded += amount_minor


def provider_for(name: str) -> PaymentProvider:
    if name == "sandbox":
        return SandboxProvider()
    raise ValueError(f"unknown payment provider {name!r}")
