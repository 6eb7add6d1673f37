"""Small helpers shared by tests of every contract."""


def event(receipt, name: str):
    """The one event called `name` in `receipt` (fails loudly if there is not exactly one)."""
    matches = [e for e in receipt.events if e.event_name == name]
    assert len(matches) == 1, f"expected one {name} event, got {len(matches)}"
    return matches[0]
