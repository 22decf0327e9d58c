"""Prices in other currencies."""

import functools

CALLS = {"rates": 0}


def exchange_rates():
    """Slow: asks the rates service."""
    CALLS["rates"] += 1
    return {"EUR": 1.0, "USD": 1.1}


@functools.lru_cache(maxsize=None)
def cached_rates():
    return exchange_rates()


def price(amount, currency):
    return round(amount * cached_rates()[currency], 2)
