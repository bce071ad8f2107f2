"""The client's public surface is explicit, complete and sorted (as httpx checks its own)."""

import tp3.client


def test_client_exports_are_complete() -> None:  # ruff (RUF022) keeps __all__ sorted
    exported = tp3.client.__all__
    assert len(set(exported)) == len(exported)
    public = {
        name
        for name, value in vars(tp3.client).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("tp3.client")
        and name != "annotations"
    }
    assert public <= set(exported)
    for name in exported:
        assert hasattr(tp3.client, name)


def test_three_lines_are_enough() -> None:
    source = tp3.client.__doc__ or ""
    assert 'with Tp3Client("127.0.0.1:50051") as tp3:' in source
