"""The lane's interface: one `Chain` with two backends (`anvil`: raw JSON-RPC to a node it starts;
`revm`: pyrevm in process). Both give the same results, gas included (tests/differential).

Semantics both backends share, so that a run is reproducible:
- every transaction is mined in a block of its own (number + 1), at the chain's current timestamp;
- time moves only when asked (`warp`, `sleep`): blocks do not follow the wall clock;
- gas price and base fee are 0, so Ether balances move only by value transfers;
- each transaction has `TX_GAS` gas, the block gas limit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING

from eth_abi import encode
from eth_account import Account
from eth_utils import to_checksum_address

from bulwark.abi.codec import ContractABI, Function
from bulwark.abi.errors import DecodedError
from bulwark.chain.artifacts import Artifacts, load_artifacts

if TYPE_CHECKING:
    from bulwark.coverage.trace import CoverageCollector

CHAIN_ID = 31337
TX_GAS = 30_000_000  # gas of every transaction = Anvil's default block gas limit
GENESIS_TIMESTAMP = 1_767_225_600  # 2026-01-01T00:00:00Z
DEV_MNEMONIC = "test test test test test test test test test test test junk"  # Anvil's public test mnemonic
DEV_ACCOUNTS = 12
DEV_BALANCE = 10_000 * 10**18  # wei per dev account (Anvil's default)
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# The local parameter files' pause-only key (guardian.pausers, GRD-06): dev account 99, beyond any role
# the simulator hands out, so no agent ever sends from it; the lane funds it (deploy_suite_on).
PAUSER_INDEX = 99


@cache
def dev_keys(count: int = DEV_ACCOUNTS) -> tuple[bytes, ...]:
    """Private keys of the dev accounts (derived from Anvil's public mnemonic: they hold nothing real)."""
    Account.enable_unaudited_hdwallet_features()
    return tuple(dev_key(i) for i in range(count))


@cache
def dev_key(index: int) -> bytes:
    """The private key of dev account `index` of Anvil's mnemonic, funded or not."""
    Account.enable_unaudited_hdwallet_features()
    return bytes(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key)


@cache
def dev_accounts(count: int = DEV_ACCOUNTS) -> tuple[str, ...]:
    """Checksummed addresses of the dev accounts, in Anvil's order."""
    return tuple(Account.from_key(k).address for k in dev_keys(count))


@dataclass(frozen=True)
class Log:
    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class Event:
    """A decoded log: the event's name, its arguments by name, and the emitting contract."""

    name: str
    args: dict
    address: str


@dataclass(frozen=True)
class Receipt:
    """What a transaction did. `output` is the return or revert data when the backend was asked for it
    (revm always has it; Anvil only when `output=True` or the transaction failed)."""

    status: bool
    gas_used: int
    logs: tuple[Log, ...] = ()
    output: bytes | None = None
    contract_address: str | None = None
    error: DecodedError | None = None

    @cached_property
    def events(self) -> list[Event]:
        """The logs decoded with the project's event ABIs (unknown topics are left out)."""
        known = load_artifacts().events
        decoded = []
        for log in self.logs:
            event = known.get(log.topics[0]) if log.topics else None
            if event is not None:
                decoded.append(Event(event.name, event.decode(log.topics, log.data), log.address))
        return decoded

    def assert_reverted(self, name: str, **args) -> None:
        """Fail unless the transaction reverted with custom error `name` carrying (at least) `args`."""
        assert not self.status, f"expected {name}{args}, but the transaction succeeded"
        assert self.error.name == name, f"expected {name}{args}, got {self.error}"
        for key, value in args.items():
            assert key in self.error.args, f"{name} has no argument {key!r} (it has {list(self.error.args)})"
            assert self.error.args[key] == value, (
                f"{name}.{key}: expected {value}, got {self.error.args[key]}"
            )

    def event(self, name: str) -> dict:
        """The arguments of the one `name` event (fails loudly unless there is exactly one)."""
        matches = [e.args for e in self.events if e.name == name]
        if len(matches) != 1:
            raise AssertionError(f"expected one {name} event, got {len(matches)}")
        return matches[0]


class Reverted(Exception):
    """A call or transaction reverted; `error` names the custom error and carries its values."""

    def __init__(self, error: DecodedError, receipt: Receipt | None = None):
        super().__init__(str(error))
        self.error = error
        self.receipt = receipt


class LaneError(RuntimeError):
    """The backend refused a request outright (not a revert): a node error, an invalid transaction."""


class BoundFunction:
    """`contract.fn`: call it for a view, `.transact(..., sender=)` to send, `.attempt(...)` to send
    without raising on a revert, `.calldata(...)` for the encoded call."""

    __slots__ = ("_abi", "_chain", "_contract", "_name")

    def __init__(self, contract: Contract, name: str):
        self._contract, self._chain, self._abi, self._name = contract, contract.chain, contract.abi, name

    def _function(self, args) -> Function:
        return self._abi.function(self._name, len(args))

    def calldata(self, *args) -> bytes:
        return self._function(args).encode(*args)

    def __call__(self, *args, sender: str = ZERO_ADDRESS):
        fn = self._function(args)
        return fn.decode(self._chain.call(self._contract.address, fn.encode(*args), sender=sender))

    def attempt(self, *args, sender: str, value: int = 0, output: bool = False) -> Receipt:
        fn = self._function(args)
        return self._chain.send(sender, self._contract.address, fn.encode(*args), value=value, output=output)

    def transact(self, *args, sender: str, value: int = 0, output: bool = False) -> Receipt:
        receipt = self.attempt(*args, sender=sender, value=value, output=output)
        if not receipt.status:
            raise Reverted(receipt.error, receipt)
        return receipt


class Contract:
    """A deployed contract of a compiled type, bound to a chain."""

    def __init__(self, chain: Chain, abi: ContractABI, address: str):
        self.chain, self.abi, self.address = chain, abi, to_checksum_address(address)
        self._bound: dict[str, BoundFunction] = {}

    def __getattr__(self, name: str) -> BoundFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        bound = self._bound.get(name)
        if bound is None:
            self.abi.function(name)  # fails now, with the contract's name, for a misspelt function
            bound = self._bound[name] = BoundFunction(self, name)
        return bound

    def __getitem__(self, signature: str) -> BoundFunction:
        return BoundFunction(self, signature)

    def __repr__(self) -> str:
        return f"<{self.abi.name} {self.address}>"


@dataclass
class _Clock:
    number: int = 0
    timestamp: int = GENESIS_TIMESTAMP


class Chain(ABC):
    """One chain, either backend. Accounts are the dev accounts (unlocked on Anvil, funded on revm).
    With a `coverage` collector, every transaction's steps go to it (bulwark.coverage.trace); without
    one (the default) nothing is traced."""

    backend: str

    def __init__(
        self,
        artifacts: Artifacts | None = None,
        accounts: int = DEV_ACCOUNTS,
        coverage: CoverageCollector | None = None,
    ):
        self.artifacts = artifacts or load_artifacts()
        self.coverage = coverage
        self.accounts: list[str] = list(dev_accounts(accounts))
        self.keys: list[bytes] = list(dev_keys(accounts))
        self.chain_id = CHAIN_ID
        self.clock = _Clock()

    # --- what each backend provides -----------------------------------------------------------------
    @abstractmethod
    def send(self, sender: str, to: str | None, data: bytes, value: int = 0, output: bool = False) -> Receipt:
        """Mine one transaction (`to=None` creates a contract); a revert is a receipt, not an exception."""

    @abstractmethod
    def call(self, to: str, data: bytes, sender: str = ZERO_ADDRESS) -> bytes:
        """Run a call against the latest state without changing it; raises `Reverted`."""

    @abstractmethod
    def snapshot(self) -> object:
        """An id to `revert` to (each id is used once)."""

    @abstractmethod
    def revert(self, snapshot_id: object) -> None:
        """Restore state, block number and time to the snapshot."""

    @abstractmethod
    def warp(self, timestamp: int) -> None:
        """Mine an empty block at `timestamp` (>= the current one); later blocks keep it."""

    @abstractmethod
    def balance(self, address: str) -> int:
        """Ether balance in wei."""

    @abstractmethod
    def nonce(self, address: str) -> int:
        """The account's next transaction nonce."""

    @abstractmethod
    def storage_at(self, address: str, slot: int) -> int:
        """One raw storage slot."""

    @abstractmethod
    def code_at(self, address: str) -> bytes:
        """The account's code (empty for an account without code)."""

    def close(self) -> None:  # noqa: B027 (a backend without resources has nothing to release)
        """Release the backend (stop the node)."""

    # --- shared -------------------------------------------------------------------------------------
    def call_many(self, calls: Sequence[tuple[str, bytes]]) -> list[bytes | Reverted]:
        """Several calls against the same state; a reverted one is returned as its `Reverted`."""
        results: list[bytes | Reverted] = []
        for to, data in calls:
            try:
                results.append(self.call(to, data))
            except Reverted as revert:
                results.append(revert)
        return results

    @property
    def timestamp(self) -> int:
        """The latest block's timestamp, which the next transaction's block has too."""
        return self.clock.timestamp

    @property
    def block_number(self) -> int:
        return self.clock.number

    def sleep(self, seconds: int) -> None:
        self.warp(self.clock.timestamp + seconds)

    def deploy(self, name: str, *args, sender: str | None = None) -> Contract:
        """Deploy compiled contract `name` with constructor `args`; raises `Reverted` if it fails."""
        artifact = self.artifacts[name]
        code = artifact.creation_code + encode(artifact.abi.constructor_types, args)
        receipt = self.send(sender or self.accounts[0], None, code)
        if not receipt.status:
            raise Reverted(receipt.error, receipt)
        return Contract(self, artifact.abi, receipt.contract_address)

    def at(self, name: str, address: str) -> Contract:
        return Contract(self, self.artifacts[name].abi, address)

    def decode_error(self, data: bytes) -> DecodedError:
        return self.artifacts.errors.decode(data)

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Snapshot:
    """A revm snapshot: the undo log's length and the clock at the time."""

    undo_length: int
    clock: _Clock
    used: bool = field(default=False)
