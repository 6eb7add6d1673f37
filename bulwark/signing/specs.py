"""PauseGuardian proposals from readable specs: where a signer's intent becomes the exact EIP-712
message of `bulwark.signing.approvals` (no chain needed).

A spec (YAML) names contracts of a deployment record and functions by name; this module resolves each
name to its address and ABI (the project's contract types, as Ape compiled them to .build/), checks
every argument against the ABI and encodes the calldata. `bulwark.signing.readable` turns calls back into
readable lines, `bulwark.signing.requests` holds the files signers pass around (typed data, signatures,
the operation file), and `bulwark.governance` the chain side; the commands are `bulwark guardian ...`
(docs/GUARDIAN_TOOLS.md).

    book = ContractBook.from_addresses(addresses)          # deployments/<chainId>.json's contracts
    draft = read_spec(Path("raise-mmr.yaml"), book)        # SpecError: one line naming the field
    message = draft.message(now=head_time, salt=salt, current_epoch=...)   # an approvals.Message

Spec format (one action per file; `description` optional and free text):

    description: Raise ETH/USD maintenance margin
    calls:                                   # a timelocked operation (PauseGuardian.schedule)
      - contract: MarginEngine               # PauseGuardian, MarginEngine, InsuranceFund, collateral,
        function: setRiskParams              # or MedianOracle:<market>; a name or a full signature
        args:                                #   such as "setPause(uint256,uint64)" for overloads
          - 0
          - {baseMmr: 0.06 wad, maxMmr: 0.25 wad, ...}   # a struct by field name (every field), or a list
        value: 0                             # optional, wei; only for payable functions

    pause:        {contract: MarginEngine, scopes: [TRADE, WITHDRAW], duration: 2h}    # or until: <unix s>
    extend_pause: {contract: MarginEngine, scopes: [TRADE], until: 1767225600}
    cancel:       {id: "0x<operation id>"}
    suspend_reporter: {oracle: "MedianOracle:ETH/USD", reporter: "0x...", duration: 1d}
    clear_breaker:    {oracle: "MedianOracle:ETH/USD", accept_candidate: true}   # epoch: read from chain

Arguments are plain ABI values, exactly:
  - integers: a YAML integer (1000, 1_000), a decimal string ("1000"), 0x-hex ("0x3e8"), or a WAD decimal
    "<decimal> wad": "0.075 wad" is 75000000000000000 (Decimal arithmetic; more than 18 decimal places is
    an error, never rounded). A YAML float such as 0.075 is refused: write "0.075 wad" or the integer.
  - addresses: "0x" and 40 hex digits (a mixed-case address must have a valid EIP-55 checksum), or a
    contract name of the deployment ("MedianOracle:BTC/USD");
  - bool: true / false; bytesN and bytes: 0x-hex of exactly N bytes / any whole number of bytes;
    string: text; arrays: lists; structs: a mapping by field name or a list in field order.
The spec is read with a YAML loader that resolves only decimal integers, true/false and null, so 0x-hex,
010 or 1:30 stay strings (YAML 1.1 would make them integers in bases 16, 8 and 60). Durations are
seconds or a number with s, m, h or d ("90m", "2h"); `until` is a unix time in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from eth_utils import is_checksum_address, to_checksum_address

from bulwark.abi.codec import ContractABI, Function, canonical_type
from bulwark.abi.scopes import EngineScope, FundScope, OracleScope
from bulwark.signing.approvals import (
    Call,
    Message,
    cancel_message,
    clear_breaker_message,
    extend_pause_message,
    pause_message,
    schedule_message,
    suspend_reporter_message,
)
from bulwark.units import DAY, HOUR, MINUTE, to_wad

# spec key -> (EIP-712 primary type, PauseGuardian function that takes the approvals)
ACTIONS = {
    "calls": ("Schedule", "schedule"),
    "cancel": ("Cancel", "cancel"),
    "pause": ("Pause", "pause"),
    "extend_pause": ("ExtendPause", "extendPause"),
    "suspend_reporter": ("SuspendReporter", "suspendReporter"),
    "clear_breaker": ("ClearBreaker", "clearBreaker"),
}

# The deployment record's contracts: name -> the compiled contract type whose ABI it answers. The
# collateral is a MockERC20 on local chains and any ERC-20 elsewhere: MockERC20's ABI is the ERC-20 one
# plus `mint`.
CONTRACT_TYPES = {
    "PauseGuardian": "PauseGuardian",
    "MarginEngine": "MarginEngine",
    "InsuranceFund": "InsuranceFund",
    "collateral": "MockERC20",
    "MedianOracle": "MedianOracle",
}
SCOPES = {"MarginEngine": EngineScope, "InsuranceFund": FundScope, "MedianOracle": OracleScope}


class SpecError(ValueError):
    """A spec that cannot become a proposal; the message is one line naming the file and the field."""


# ---------------------------------------------------------------- the deployment's contracts


@dataclass(frozen=True)
class Entry:
    """One contract of a deployment: its name in specs, address and compiled contract type."""

    name: str
    address: str
    contract_type: str


class ContractBook:
    """The deployment's contracts by spec name and by address, with their ABIs."""

    def __init__(self, entries: Iterable[Entry], abis: Callable[[str], ContractABI] | None = None):
        self.entries = {e.name: e for e in entries}
        self._by_address = {e.address.lower(): e for e in self.entries.values()}
        self._abis = abis

    @classmethod
    def from_contracts(
        cls, contracts: dict, abis: Callable[[str], ContractABI] | None = None
    ) -> ContractBook:
        """From a deployment record's `contracts` mapping (SuiteAddresses.as_dict())."""
        entries = []
        for name, value in contracts.items():
            if name == "MedianOracle":
                entries += [Entry(f"MedianOracle:{m}", a, "MedianOracle") for m, a in value.items()]
            elif name in CONTRACT_TYPES:
                entries.append(Entry(name, value, CONTRACT_TYPES[name]))
        return cls(entries, abis)

    @classmethod
    def from_addresses(cls, addresses, abis: Callable[[str], ContractABI] | None = None) -> ContractBook:
        """From bulwark.deploy.SuiteAddresses."""
        return cls.from_contracts(addresses.as_dict(), abis)

    def abi(self, contract_type: str) -> ContractABI:
        """The ABI of a compiled contract type (the project's, unless others were given)."""
        if self._abis is None:
            from bulwark.chain.artifacts import load_artifacts

            return load_artifacts()[contract_type].abi
        return self._abis(contract_type)

    def all_abis(self) -> list[ContractABI]:
        """Every compiled contract type's ABI (to name a call to a contract outside the deployment)."""
        if self._abis is None:
            from bulwark.chain.artifacts import load_artifacts

            return [a.abi for a in load_artifacts().by_name.values()]
        return [self._abis(t) for t in sorted(set(CONTRACT_TYPES.values()))]

    def get(self, name: str, where: str) -> Entry:
        """The entry called `name`; SpecError listing the names otherwise."""
        if not isinstance(name, str):
            raise SpecError(f"{where}: expected a contract name, got {shown(name)}")
        if name in self.entries:
            return self.entries[name]
        if name == "MedianOracle":
            markets = ", ".join(n for n in self.entries if n.startswith("MedianOracle:"))
            raise SpecError(f"{where}: MedianOracle needs its market: one of {markets}")
        raise SpecError(f"{where}: unknown contract {name!r}; the deployment has {', '.join(self.entries)}")

    def name_of(self, address: str) -> str | None:
        """The deployment's name for `address`, or None."""
        entry = self._by_address.get(str(address).lower())
        return entry.name if entry else None

    def entry_at(self, address: str) -> Entry | None:
        """The deployment's entry at `address`, or None."""
        return self._by_address.get(str(address).lower())

    def as_contracts(self) -> dict:
        """The record's `contracts` shape again (for the sidecar)."""
        out: dict = {}
        for e in self.entries.values():
            if e.contract_type == "MedianOracle" and e.name.startswith("MedianOracle:"):
                out.setdefault("MedianOracle", {})[e.name.split(":", 1)[1]] = e.address
            else:
                out[e.name] = e.address
        return out


# ---------------------------------------------------------------- YAML, values


class _SpecLoader(yaml.SafeLoader):
    """YAML with only decimal integers, true/false and null resolved; everything else is a string."""


_SpecLoader.yaml_implicit_resolvers = {}
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9][0-9_]*$"), list("-+0123456789")
)
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_SpecLoader.add_constructor(
    "tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node).replace("_", ""), 10)
)


def load_yaml(text: str | bytes, source: str) -> Any:
    """Parse spec YAML with the exact loader above; SpecError (one line, with the line number)."""
    try:
        return yaml.load(text, Loader=_SpecLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise SpecError(f"{source}: not valid YAML ({where}{getattr(err, 'problem', err)})") from None


def shown(value) -> str:
    """A value as the spec's author wrote it, for error messages."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


_WAD = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*wad\s*$")
_DECIMAL_INT = re.compile(r"^\s*[+-]?\d[\d_]*\s*$")
HEX = re.compile(r"^0[xX][0-9a-fA-F]*$")


def parse_int(value, where: str) -> int:
    """An integer from a spec: int, decimal or 0x-hex string, or "<decimal> wad" (exact)."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise SpecError(f"{where}: expected an integer, got {shown(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise SpecError(
            f"{where}: {value} is a float; write an integer or a WAD decimal such as '{value} wad'"
        )
    text = str(value)
    if _DECIMAL_INT.match(text):
        return int(text.replace("_", ""), 10)
    if HEX.match(text) and len(text) > 2:
        return int(text, 16)
    if match := _WAD.match(text):
        try:
            return to_wad(Decimal(match.group(1)))
        except ValueError:
            raise SpecError(
                f"{where}: {text!r} has more than 18 decimal places (a WAD is 1e-18 exact)"
            ) from None
    try:
        Decimal(text)
    except InvalidOperation:
        raise SpecError(f"{where}: expected an integer or '<decimal> wad', got {text!r}") from None
    raise SpecError(f"{where}: {text!r} is not an integer; write '{text} wad' for a WAD decimal")


def parse_hex(value, where: str, size: int | None = None) -> bytes:
    """0x-hex bytes (exactly `size` bytes when given)."""
    if not isinstance(value, str) or not HEX.match(value) or len(value) % 2:
        raise SpecError(f"{where}: expected 0x-hex bytes, got {shown(value)}")
    data = bytes.fromhex(value[2:])
    if size is not None and len(data) != size:
        raise SpecError(f"{where}: expected {size} bytes, got {len(data)} ({value})")
    return data


def parse_address(value, where: str, book: ContractBook | None = None) -> str:
    """A checksummed address from 0x-hex or a contract name of the deployment."""
    if isinstance(value, str) and book is not None and not value.startswith(("0x", "0X")):
        return to_checksum_address(book.get(value, where).address)
    if not isinstance(value, str) or not re.fullmatch(r"0[xX][0-9a-fA-F]{40}", value):
        names = f" or a contract name ({', '.join(book.entries)})" if book is not None else ""
        raise SpecError(f"{where}: expected an address (0x and 40 hex digits){names}, got {shown(value)}")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise SpecError(f"{where}: {value} has an invalid EIP-55 checksum (mixed case must match it)")
    return to_checksum_address(value)


def parse_duration(value, where: str) -> int:
    """Seconds from an integer or "<n>s|m|h|d"."""
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str) and (match := re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", value)):
        seconds = int(match.group(1)) * {"s": 1, "m": MINUTE, "h": HOUR, "d": DAY}[match.group(2)]
    else:
        raise SpecError(
            f"{where}: expected seconds or a duration such as '90m', '2h', '1d'; got {shown(value)}"
        )
    if seconds <= 0:
        raise SpecError(f"{where}: a duration must be positive, got {seconds}")
    return seconds


def coerce(param: dict, value, where: str, book: ContractBook | None = None):
    """A spec value as the Python value eth_abi encodes for ABI parameter `param` (structs as tuples)."""
    kind = param["type"]
    if match := re.fullmatch(r"(.*)\[(\d*)\]", kind):
        if not isinstance(value, list):
            raise SpecError(f"{where}: expected a list for {canonical_type(param)}, got {shown(value)}")
        if match.group(2) and len(value) != int(match.group(2)):
            raise SpecError(f"{where}: expected {match.group(2)} items, got {len(value)}")
        item = {**param, "type": match.group(1)}
        return [coerce(item, v, f"{where}[{i}]", book) for i, v in enumerate(value)]
    if kind == "tuple":
        components = param["components"]
        names = [c["name"] for c in components]
        if isinstance(value, dict):
            missing = [n for n in names if n not in value]
            unknown = [k for k in value if k not in names]
            if unknown:
                raise SpecError(
                    f"{where}: unknown field {unknown[0]!r}; {struct_name(param)} has {', '.join(names)}"
                )
            if missing:
                raise SpecError(f"{where}: missing field{'s' * (len(missing) > 1)} {', '.join(missing)}")
            values = [value[n] for n in names]
        elif isinstance(value, list):
            if len(value) != len(components):
                raise SpecError(
                    f"{where}: {struct_name(param)} has {len(components)} fields ({', '.join(names)}), "
                    f"got {len(value)} values"
                )
            values = value
        else:
            raise SpecError(
                f"{where}: expected {struct_name(param)} as a mapping by field name, got {shown(value)}"
            )
        return tuple(
            coerce(c, v, f"{where}.{c['name'] or i}", book)
            for i, (c, v) in enumerate(zip(components, values, strict=True))
        )
    if kind.startswith(("uint", "int")):
        number = parse_int(value, where)
        bits = int(re.sub(r"^u?int", "", kind) or 256)
        low, high = (0, 2**bits - 1) if kind.startswith("uint") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        if not low <= number <= high:
            bounds = f"0..2^{bits}-1" if kind.startswith("uint") else f"-2^{bits - 1}..2^{bits - 1}-1"
            raise SpecError(f"{where}: {number} does not fit {kind} ({bounds})")
        return number
    if kind == "address":
        return parse_address(value, where, book)
    if kind == "bool":
        if not isinstance(value, bool):
            raise SpecError(f"{where}: expected true or false, got {shown(value)}")
        return value
    if kind == "bytes":
        return parse_hex(value, where)
    if kind.startswith("bytes"):
        return parse_hex(value, where, int(kind[5:]))
    if kind == "string":
        if not isinstance(value, str):
            raise SpecError(f"{where}: expected a string, got {shown(value)}")
        return value
    raise SpecError(f"{where}: unsupported ABI type {kind}")


def _type_name(param: dict) -> str:
    """A parameter's type as people read it: the struct's name for a tuple, else the ABI type."""
    kind = param["type"]
    return struct_name(param) + kind[len("tuple") :] if kind.startswith("tuple") else kind


def struct_name(param: dict) -> str:
    """The struct's Solidity name from a tuple parameter's internalType (`RiskParams`)."""
    internal = param.get("internalType") or "struct"
    return internal.split(" ")[-1].split(".")[-1].rstrip("[]0123456789") or "struct"


# ---------------------------------------------------------------- calls


def find_function(abi: ContractABI, contract: str, name, where: str) -> Function:
    """The function `name` (or full signature) of `abi`; SpecError for unknown, overloaded or views."""
    if not isinstance(name, str) or not name:
        raise SpecError(f"{where}: expected a function name, got {shown(name)}")
    if "(" in name:
        fn = abi.by_signature.get(name.replace(" ", ""))
        if fn is None:
            known = ", ".join(sorted(abi.by_signature))
            raise SpecError(f"{where}: {contract} has no function {name}; it has {known}")
    else:
        candidates = abi.functions.get(name)
        if not candidates:
            close = [n for n in abi.functions if n.lower() == name.lower()]
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SpecError(f"{where}: {contract} has no function {name!r}{hint}")
        if len(candidates) > 1:
            signatures = ", ".join(f.signature for f in candidates)
            raise SpecError(f"{where}: {contract}.{name} is overloaded; write the signature: {signatures}")
        fn = candidates[0]
    if fn.is_view:
        raise SpecError(
            f"{where}: {contract}.{fn.signature} is a view; an operation calls functions that change state"
        )
    return fn


def encode_call(spec: dict, book: ContractBook, where: str) -> Call:
    """One `{contract, function, args, value}` of a spec as a Call (target, value, calldata)."""
    if not isinstance(spec, dict):
        raise SpecError(f"{where}: expected a mapping with contract, function and args, got {shown(spec)}")
    _keys(spec, where, required=("contract", "function"), optional=("args", "value"))
    entry = book.get(spec["contract"], f"{where}.contract")
    fn = find_function(book.abi(entry.contract_type), entry.name, spec["function"], f"{where}.function")
    args = spec.get("args", [])
    if args is None:
        args = []
    if not isinstance(args, list):
        raise SpecError(f"{where}.args: expected a list of arguments, got {shown(args)}")
    inputs = fn.entry.get("inputs", [])
    if len(args) != len(inputs):
        names = ", ".join(f"{p['name'] or '_'} {_type_name(p)}" for p in inputs) or "none"
        raise SpecError(
            f"{where}.args: {entry.name}.{fn.name} takes {len(inputs)} argument{'s' * (len(inputs) != 1)} "
            f"({names}), got {len(args)}"
        )
    values = [
        coerce(p, a, f"{where}.args[{i}]", book) for i, (p, a) in enumerate(zip(inputs, args, strict=True))
    ]
    value = parse_int(spec.get("value", 0), f"{where}.value")
    if value < 0:
        raise SpecError(f"{where}.value: must not be negative, got {value}")
    if value and fn.entry.get("stateMutability") != "payable":
        raise SpecError(f"{where}.value: {entry.name}.{fn.signature} is not payable; value must be 0")
    try:
        data = fn.encode(*values)
    except Exception as err:  # eth_abi's own range and type checks, should coerce miss one
        raise SpecError(f"{where}.args: {' '.join(str(err).split())}") from None
    return Call(to_checksum_address(entry.address), value, data)


def _keys(spec: dict, where: str, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    required, optional = list(required), list(optional)
    for key in spec:
        if key not in required and key not in optional:
            allowed = ", ".join(required + optional)
            raise SpecError(f"{where}: unknown field {key!r} (allowed: {allowed})")
    for key in required:
        if key not in spec:
            raise SpecError(f"{where}: missing field {key!r}")


# ---------------------------------------------------------------- specs


@dataclass(frozen=True)
class Draft:
    """A spec, checked and encoded; `message` binds it to the chain's time (and the breaker's epoch)."""

    action: str  # a key of ACTIONS
    description: str = ""
    calls: tuple[Call, ...] = ()
    target: str | None = (
        None  # pause/extend_pause: the Guarded contract; suspend_reporter/clear_breaker: the oracle
    )
    target_type: str | None = None
    scopes: int = 0
    until: int | None = None
    duration: int | None = None
    reporter: str | None = None
    accept_candidate: bool = False
    epoch: int | None = None
    operation: bytes | None = None  # cancel: the operation id

    @property
    def primary_type(self) -> str:
        """The EIP-712 primary type this action is signed as."""
        return ACTIONS[self.action][0]

    def end(self, now: int) -> int:
        """The pause's or suspension's end: `until`, or `now + duration`."""
        return self.until if self.until is not None else now + int(self.duration or 0)

    def message(
        self, now: int, salt: bytes | None = None, current_epoch: Callable[[str], int] | None = None
    ) -> Message:
        """The approvals.Message signers approve. `now` is the chain's time (for `duration`), `salt` the
        operation's (calls only), `current_epoch(oracle)` the oracle's last accepted update (clear_breaker
        without an epoch)."""
        if self.action == "calls":
            if salt is None or len(salt) != 32:
                raise ValueError("a schedule needs a 32-byte salt")
            return schedule_message(self.calls, salt)
        if self.action == "cancel":
            return cancel_message(self.operation)
        if self.action == "pause":
            return pause_message(self.target, self.scopes, self.end(now))
        if self.action == "extend_pause":
            return extend_pause_message(self.target, self.scopes, self.end(now))
        if self.action == "suspend_reporter":
            return suspend_reporter_message(self.target, self.reporter, self.end(now))
        epoch = self.epoch
        if epoch is None:
            if current_epoch is None:
                raise ValueError("clear_breaker without an epoch needs the oracle's current epoch")
            epoch = current_epoch(self.target)
        return clear_breaker_message(self.target, self.accept_candidate, epoch)


def read_spec(path: Path, book: ContractBook) -> Draft:
    """Read and check a spec file; SpecError (one line: file, field, what is wrong) otherwise."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as err:
        raise SpecError(f"{path}: cannot read ({err.strerror})") from None
    return parse_spec(load_yaml(text, str(path)), book, str(path))


def parse_spec(data, book: ContractBook, source: str = "<spec>") -> Draft:
    """A spec's parsed YAML as a Draft."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with one of {', '.join(ACTIONS)}, got {shown(data)}")
    for key in data:
        if key not in ACTIONS and key != "description":
            raise SpecError(f"{source}: unknown field {key!r} (allowed: description, {', '.join(ACTIONS)})")
    actions = [k for k in ACTIONS if k in data]
    if len(actions) != 1:
        got = ", ".join(actions) or "none"
        raise SpecError(f"{source}: give exactly one of {', '.join(ACTIONS)} (got {got})")
    action = actions[0]
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise SpecError(f"{source}: description: expected text, got {shown(description)}")
    body, where = data[action], f"{source}: {action}"
    if action == "calls":
        if not isinstance(body, list) or not body:
            got = "an empty list" if body == [] else shown(body)
            raise SpecError(f"{where}: expected a non-empty list of calls, got {got}")
        calls = tuple(encode_call(c, book, f"{where}[{i}]") for i, c in enumerate(body))
        return Draft(action, description, calls=calls)
    if not isinstance(body, dict):
        raise SpecError(f"{where}: expected a mapping, got {shown(body)}")
    if action == "cancel":
        _keys(body, where, required=("id",))
        return Draft(action, description, operation=parse_hex(body["id"], f"{where}.id", 32))
    if action in ("pause", "extend_pause"):
        _keys(body, where, required=("contract", "scopes"), optional=("until", "duration"))
        entry = book.get(body["contract"], f"{where}.contract")
        scopes = _scopes(entry, body["scopes"], f"{where}.scopes")
        until, duration = _end(body, where)
        return Draft(
            action,
            description,
            target=entry.address,
            target_type=entry.contract_type,
            scopes=scopes,
            until=until,
            duration=duration,
        )
    if action == "suspend_reporter":
        _keys(body, where, required=("oracle", "reporter"), optional=("until", "duration"))
        entry = _oracle(book, body["oracle"], f"{where}.oracle")
        reporter = parse_address(body["reporter"], f"{where}.reporter")
        until, duration = _end(body, where)
        return Draft(
            action,
            description,
            target=entry.address,
            target_type=entry.contract_type,
            reporter=reporter,
            until=until,
            duration=duration,
        )
    _keys(body, where, required=("oracle", "accept_candidate"), optional=("epoch",))
    entry = _oracle(book, body["oracle"], f"{where}.oracle")
    accept = body["accept_candidate"]
    if not isinstance(accept, bool):
        raise SpecError(f"{where}.accept_candidate: expected true or false, got {shown(accept)}")
    epoch = None
    if body.get("epoch") is not None:
        epoch = parse_int(body["epoch"], f"{where}.epoch")
        if not 0 <= epoch < 2**32:
            raise SpecError(f"{where}.epoch: {epoch} does not fit uint32")
    return Draft(
        action,
        description,
        target=entry.address,
        target_type=entry.contract_type,
        accept_candidate=accept,
        epoch=epoch,
    )


def _oracle(book: ContractBook, name, where: str) -> Entry:
    entry = book.get(name, where)
    if entry.contract_type != "MedianOracle":
        raise SpecError(f"{where}: {entry.name} is not a MedianOracle")
    return entry


def _scopes(entry: Entry, value, where: str) -> int:
    flags = SCOPES.get(entry.contract_type)
    if flags is None:
        raise SpecError(
            f"{where}: {entry.name} has no pause scopes; "
            "pauses are for MarginEngine, InsuranceFund and MedianOracle:<market>"
        )
    names = [m.name for m in flags]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where}: expected a list of scope names ({', '.join(names)}), got {shown(value)}")
    mask = 0
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in names:
            raise SpecError(
                f"{where}[{i}]: {entry.name} has no scope {shown(name)}; its scopes are {', '.join(names)}"
            )
        mask |= int(flags[name])
    return mask


def _end(body: dict, where: str) -> tuple[int | None, int | None]:
    has_until, has_duration = body.get("until") is not None, body.get("duration") is not None
    if has_until == has_duration:
        raise SpecError(f"{where}: give exactly one of until (unix seconds) or duration")
    if has_until:
        until = parse_int(body["until"], f"{where}.until")
        if not 0 < until < 2**64:
            raise SpecError(f"{where}.until: {until} is not a unix time in seconds")
        return until, None
    return None, parse_duration(body["duration"], f"{where}.duration")


def parse_salt(text: str) -> bytes:
    """`--salt`: 0x-hex of at most 32 bytes, left-padded to 32 (0x01 is salt 1)."""
    if not isinstance(text, str) or not HEX.match(text) or len(text) <= 2 or len(text) > 66:
        raise ValueError(f"expected 0x and 1 to 64 hex digits, got {text!r}")
    return bytes.fromhex(text[2:].rjust(64, "0"))
