"""Small helpers shared by tests of every contract."""

from contextlib import contextmanager

import ape
from ape.exceptions import CustomError
from eth_utils import keccak
from web3.exceptions import ContractCustomError

from bulwark.chain.artifacts import load_artifacts


def changed(params, **fields):
    """Parameters (a pydantic model) with nested fields replaced, e.g.
    changed(p, **{"markets.0.risk.base_mmr": "0.06"}); validated again, as a file would be."""
    data = params.model_dump()
    for dotted, value in fields.items():
        *path, last = dotted.split(".")
        target = data
        for key in path:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value
    return type(params).model_validate(data)


def event(receipt, name: str):
    """The one event called `name` in `receipt` (fails loudly if there is not exactly one)."""
    matches = [e for e in receipt.events if e.event_name == name]
    assert len(matches) == 1, f"expected one {name} event, got {len(matches)}"
    return matches[0]


def decoded_error(error, data: bytes) -> dict:
    """The inputs of custom error `error` decoded from raw revert `data` by the project's one decoder
    (bulwark.abi.errors, as the lane, the demo and the simulator decode); fails on another error."""
    selector = keccak(text=error.abi.selector)[:4]
    assert data[:4] == selector, f"expected {error.abi.selector}, got revert data 0x{data.hex()}"
    decoded = load_artifacts().errors.decode(data)
    assert decoded.name == error.abi.name, f"expected {error.abi.selector}, decoded {decoded}"
    return decoded.args


def assert_error_inputs(error, actual: dict, inputs: dict):
    expected = {**actual, **inputs}  # a misspelt input name fails too
    assert actual == expected, f"{error.abi.name}: expected {inputs}, got {actual}"


@contextmanager
def reverts(error, **inputs):
    """Like `ape.reverts(error, **inputs)` for a transaction or deployment, but strict.

    ape.reverts passes on ANY revert it could not decode into a custom error (it then skips the type and
    value checks); Ape does not decode a reverted deployment's error, for one. Here an undecoded revert is
    decoded from its raw data with `error`'s ABI, so the error and every given input are always checked."""
    with ape.reverts() as info:
        yield info
    failure = info.value
    if isinstance(failure, CustomError):
        assert failure.abi.selector == error.abi.selector, f"expected {error.abi.selector}, got {failure!r}"
        actual = dict(failure.inputs)
    else:
        message = str(failure.revert_message)
        assert message.startswith("0x"), f"expected {error.abi.selector}, got {failure!r}"
        actual = decoded_error(error, bytes.fromhex(message.removeprefix("0x")))
    assert_error_inputs(error, actual, inputs)


def call_reverts(error, call: dict, **inputs) -> dict:
    """Assert the eth_call `call` reverts with custom error `error` carrying `inputs`; return its inputs.

    The call goes through web3, which keeps the raw revert data, decoded with `error`'s own ABI."""
    try:
        ape.chain.provider.web3.eth.call(call)
    except ContractCustomError as failure:
        data = bytes.fromhex(str(failure.data).removeprefix("0x"))
    else:
        raise AssertionError(f"the call did not revert; expected {error.abi.selector}")
    actual = decoded_error(error, data)
    assert_error_inputs(error, actual, inputs)
    return actual


def view_reverts(error, view, *args, **inputs) -> dict:
    """Assert the view call `view(*args)` reverts with custom error `error` carrying `inputs`.

    With Anvil 1.x, Ape 0.8 cannot decode a custom error from eth_call (Anvil moves it into the message
    text, lossily), and ape.reverts would pass on any revert. So the call goes through `call_reverts`.
    That also decodes an error a calling contract bubbled up unchanged (e.g. the oracle's, through a
    Chainlink consumer)."""
    return call_reverts(error, {"to": view.contract.address, "data": view.encode_input(*args)}, **inputs)


def deploy_reverts(error, container, *args, **inputs) -> dict:
    """Assert that deploying `container` with `args` reverts with custom error `error` carrying `inputs`.

    For constructors whose revert Ape cannot decode at all (with struct-array arguments it raises an ABI
    decoding error instead of a revert): the deployment is simulated with an eth_call of its init code."""
    return call_reverts(error, {"data": container.constructor.serialize_transaction(*args).data}, **inputs)


class ChainClock:
    """Explicit block times: tests say when the next transaction lands, so outcomes are exact."""

    def __init__(self, chain):
        self.chain = chain

    @property
    def now(self) -> int:
        """The latest block's time (what view calls see)."""
        return self.chain.blocks.head.timestamp

    def at(self, timestamp: int) -> int:
        """The next transaction lands at `timestamp`."""
        self.chain.pending_timestamp = timestamp
        return timestamp

    def mine_at(self, timestamp: int) -> int:
        """Mine an empty block at `timestamp`, so calls (views) see that block time."""
        self.chain.mine(timestamp=timestamp)
        return timestamp
