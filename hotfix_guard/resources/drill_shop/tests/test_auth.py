from app.auth import is_authorised


def test_right_token_is_accepted():
    assert is_authorised("alice", "s3cret-token-alice")


def test_wrong_token_is_refused():
    assert not is_authorised("alice", "guess")
