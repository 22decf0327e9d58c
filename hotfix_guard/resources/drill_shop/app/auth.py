"""Who may call the API."""

import hmac

TOKENS = {"alice": "s3cret-token-alice"}


def is_authorised(user: str, token: str) -> bool:
    expected = TOKENS.get(user)
    return expected is not None and hmac.compare_digest(expected, token)
