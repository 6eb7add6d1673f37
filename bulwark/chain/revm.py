"""The in-process backend: pyrevm (revm, the EVM inside Anvil), no node and no sockets.

pyrevm 0.3.7 never finalises a transaction: its journal stays open across calls, so accounts and slots
touched earlier stay warm and every slot keeps the value it had when first loaded as its "original"
(EIP-2200). Gas then differs from a node's (a second transfer 24,913 instead of 34,445). This backend
makes every transaction start fresh, as a node does:

1. the world state lives in pyrevm's database, and the journal is empty between transactions;
2. a transaction runs inside a journal checkpoint; what it changed is read from the journal (accounts
   whose balance, nonce or code moved, and slots whose value differs from the one they started with);
3. the checkpoint is reverted (the journal is empty again: everything cold, originals from the
   database) and the changes are written into the database;
4. the previous values go to an undo log, which is what `snapshot`/`revert` rewind.

pyrevm's `message_call` does not advance the sender's nonce (Anvil does, reverted or not), so the
backend does; gas price and base fee are 0 on both backends.
"""

from __future__ import annotations

import contextlib
import re

from eth_utils import keccak, to_checksum_address
from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

from bulwark.chain.artifacts import Artifacts
from bulwark.chain.base import (
    CHAIN_ID,
    DEV_ACCOUNTS,
    DEV_BALANCE,
    GENESIS_TIMESTAMP,
    TX_GAS,
    ZERO_ADDRESS,
    Chain,
    LaneError,
    Log,
    Receipt,
    Reverted,
    Snapshot,
    _Clock,
)
from bulwark.coverage.trace import eip3155_capture, eip3155_steps

SPEC = "Cancun"  # exact spelling: "CANCUN" or "SHANGHAI" silently mean "latest" in pyrevm 0.3.7
EMPTY_CODE_HASH = keccak(b"").hex()
_NO_ACCOUNT = (0, 0, EMPTY_CODE_HASH, None)
_PADDING = 33  # zero bytes revm appends to analysed legacy code

_ACCOUNT = re.compile(
    r"(0x[0-9a-f]{40}): Account \{ info: AccountInfo \{ "
    r"balance: (\d+), nonce: (\d+), code_hash: 0x([0-9a-f]{64})"
)
_STORAGE = re.compile(r"storage: \{(.*?)\}, status: ")
_SLOT = re.compile(r"(\d+): StorageSlot \{ previous_or_original_value: (\d+), present_value: (\d+) \}")
_FAILED = re.compile(
    r"^(Revert|Halt) \{ (?:reason: (\w+).*?, )?gas_used: (\d+)(?:, output: 0x([0-9a-f]*))? \}$"
)


class RevmChain(Chain):
    """pyrevm with node semantics: see the module docstring."""

    backend = "revm"

    def __init__(self, artifacts: Artifacts | None = None, accounts: int = DEV_ACCOUNTS, coverage=None):
        super().__init__(artifacts, accounts, coverage)
        self.evm = EVM(
            env=Env(cfg=CfgEnv(chain_id=CHAIN_ID), block=self._block(0, GENESIS_TIMESTAMP)),
            gas_limit=TX_GAS,
            spec_id=SPEC,
        )
        # address (lowercase) -> (balance, nonce, code hash, AccountInfo): what the database holds
        self._accounts: dict[str, tuple[int, int, str, AccountInfo | None]] = {}
        # ("info", address, previous entry or None) | ("slot", address, slot, previous value)
        self._undo: list[tuple] = []
        for address in self.accounts:
            self._set_info(
                address.lower(), (DEV_BALANCE, 0, EMPTY_CODE_HASH, AccountInfo(balance=DEV_BALANCE))
            )
        self._undo.clear()  # genesis is not undoable

    @staticmethod
    def _block(number: int, timestamp: int) -> BlockEnv:
        return BlockEnv(
            number=number, timestamp=timestamp, gas_limit=TX_GAS, basefee=0, coinbase=ZERO_ADDRESS
        )

    # --- the database -------------------------------------------------------------------------------
    def _set_info(self, address: str, entry) -> None:
        self._undo.append(("info", address, self._accounts.get(address)))
        self._write_info(address, entry)

    def _write_info(self, address: str, entry) -> None:
        if entry is None:
            self._accounts.pop(address, None)
            info = AccountInfo()
        else:
            self._accounts[address] = entry
            info = entry[3] if entry[3] is not None else AccountInfo(balance=entry[0], nonce=entry[1])
        self.evm.insert_account_info(address, info)

    def _write_slot(self, address: str, slot: int, value: int) -> None:
        # insert_account_storage loads the account into the journal after writing the database;
        # the checkpoint around it takes the account out again, so the next transaction finds it cold.
        checkpoint = self.evm.snapshot()
        self.evm.insert_account_storage(address, slot, value)
        self.evm.revert(checkpoint)

    # --- transactions -------------------------------------------------------------------------------
    def send(self, sender: str, to: str | None, data: bytes, value: int = 0, output: bool = False) -> Receipt:
        evm = self.evm
        number = self.clock.number + 1
        evm.set_block_env(self._block(number, self.clock.timestamp))
        checkpoint = evm.snapshot()
        created = None
        trace = eip3155_capture(evm) if self.coverage is not None else contextlib.nullcontext()
        try:
            with trace as steps:
                if to is None:
                    created = evm.deploy(sender, data, value=value, gas=TX_GAS)
                    out = b""
                else:
                    out = bytes(evm.message_call(sender, to, data, value=value, gas=TX_GAS))
            failure = None
        except RuntimeError as err:
            failure = _FAILED.match(str(err))
            if failure is None:  # refused before execution (e.g. not enough Ether for `value`)
                evm.revert(checkpoint)
                evm.set_block_env(self._block(self.clock.number, self.clock.timestamp))
                raise LaneError(str(err)) from None
            out = bytes.fromhex(failure.group(4) or "")
        result = evm.result
        logs = () if failure else tuple(_log(entry) for entry in result.logs)
        changes = self._changes(evm.journal_str)
        fresh = {a: evm.basic(a) for a, entry in changes[0].items() if entry[2] != EMPTY_CODE_HASH}
        evm.revert(checkpoint)
        evm.reset_transient_storage()
        self._commit(changes, fresh, sender.lower(), to is not None)
        self.clock.number = number
        if steps is not None:
            self.coverage.record(eip3155_steps(steps.text), to, self.code_at)
        if failure:
            return Receipt(False, int(failure.group(3)), (), out, None, self.decode_error(out))
        address = to_checksum_address(created) if created else None
        return Receipt(True, result.gas_used, logs, out, address, None)

    def _changes(self, journal: str):
        """Accounts whose (balance, nonce, code) changed, and slots whose value changed, in the open
        transaction, read from the journal's debug form (pyrevm exposes no other view of it)."""
        state = journal[: journal.index("}, transient_storage:")]
        infos, slots = {}, []
        for match in _ACCOUNT.finditer(state):
            address = match.group(1)
            entry = (int(match.group(2)), int(match.group(3)), match.group(4))
            known = self._accounts.get(address)
            if (known is None and entry != (0, 0, EMPTY_CODE_HASH)) or (known and known[:3] != entry):
                infos[address] = entry
            storage = _STORAGE.search(state, match.end())
            for slot, original, present in _SLOT.findall(storage.group(1)):
                if original != present:
                    slots.append((address, int(slot), int(original), int(present)))
        return infos, slots

    def _commit(self, changes, fresh: dict, sender: str, is_call: bool) -> None:
        infos, slots = changes
        if is_call:  # message_call skipped the nonce; a node advances it for every transaction
            balance, nonce, code_hash = infos.get(sender) or self._accounts.get(sender, _NO_ACCOUNT)[:3]
            infos[sender] = (balance, nonce + 1, code_hash)
        for address, entry in infos.items():
            self._set_info(address, (*entry, fresh.get(address)))
        for address, slot, original, present in slots:
            self._undo.append(("slot", address, slot, original))
            self._write_slot(address, slot, present)

    def call(self, to: str, data: bytes, sender: str = ZERO_ADDRESS) -> bytes:
        evm = self.evm
        checkpoint = evm.snapshot()
        try:
            return bytes(evm.message_call(sender, to, data, gas=TX_GAS))
        except RuntimeError as err:
            failure = _FAILED.match(str(err))
            if failure is None:
                raise LaneError(str(err)) from None
            raise Reverted(self.decode_error(bytes.fromhex(failure.group(4) or ""))) from None
        finally:
            evm.revert(checkpoint)
            evm.reset_transient_storage()

    # --- state, snapshots and time ------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return Snapshot(len(self._undo), _Clock(self.clock.number, self.clock.timestamp))

    def revert(self, snapshot_id: Snapshot) -> None:
        if snapshot_id.used or snapshot_id.undo_length > len(self._undo):
            raise LaneError("snapshot already reverted past or used")
        snapshot_id.used = True
        while len(self._undo) > snapshot_id.undo_length:
            entry = self._undo.pop()
            if entry[0] == "info":
                self._write_info(entry[1], entry[2])
            else:
                self._write_slot(entry[1], entry[2], entry[3])
        self.clock = _Clock(snapshot_id.clock.number, snapshot_id.clock.timestamp)
        self.evm.set_block_env(self._block(self.clock.number, self.clock.timestamp))

    def warp(self, timestamp: int) -> None:
        if timestamp < self.clock.timestamp:
            raise LaneError(f"timestamp {timestamp} is before the latest block's {self.clock.timestamp}")
        self.clock = _Clock(self.clock.number + 1, timestamp)
        self.evm.set_block_env(self._block(self.clock.number, timestamp))

    def balance(self, address: str) -> int:
        entry = self._accounts.get(address.lower())
        return entry[0] if entry else 0

    def nonce(self, address: str) -> int:
        entry = self._accounts.get(address.lower())
        return entry[1] if entry else 0

    def storage_at(self, address: str, slot: int) -> int:
        checkpoint = self.evm.snapshot()
        try:
            return int(self.evm.storage(address, slot))
        finally:
            self.evm.revert(checkpoint)

    def code_at(self, address: str) -> bytes:
        entry = self._accounts.get(address.lower())
        if entry is None or entry[2] == EMPTY_CODE_HASH:
            return b""
        if entry[3] is not None and entry[3].code is not None:
            padded = bytes(entry[3].code)
        else:
            checkpoint = self.evm.snapshot()
            try:
                padded = bytes(self.evm.get_code(address) or b"")
            finally:
                self.evm.revert(checkpoint)
        # revm keeps analysed code, zero-padded (33 bytes for legacy code); the code is the prefix
        # whose hash the account holds
        likely = len(padded) - _PADDING
        for cut in (likely, *range(len(padded), max(likely, 0) - 1, -1)):
            if cut >= 0 and keccak(padded[:cut]).hex() == entry[2]:
                return padded[:cut]
        raise LaneError(f"the code revm holds for {address} does not match its code hash")


def _log(entry) -> Log:
    topics, data = entry.data
    return Log(to_checksum_address(entry.address), tuple(bytes(t) for t in topics), bytes(data))
