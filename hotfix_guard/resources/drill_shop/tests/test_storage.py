from app.storage import append, load


def test_a_saved_order_loads(tmp_path):
    append(tmp_path / "orders.jsonl", {"id": 1})
    assert load(tmp_path / "orders.jsonl") == [{"id": 1}]
