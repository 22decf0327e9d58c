from app.pricing import price


def test_price_in_dollars():
    assert price(10, "USD") == 11.0
