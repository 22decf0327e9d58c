from pathlib import Path


def pins():
    lines = Path(__file__).parent.parent.joinpath("requirements.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line)


def test_every_dependency_is_pinned():
    assert pins()
