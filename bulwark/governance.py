"""The PauseGuardian as its signers meet it on a network, through Ape: what the chain says about a
request before anyone sends it, sending it, and what a deployment has pending or paused.

    g = open_guardian(record_chain_id, guardian_address, "deployments/31337.json")
    facts = read_facts(g)                                  # signers, thresholds, delay, grace, max pause
    approvals = check_submission(g, facts, request, signatures, sender)   # ChainCheckError: one line
    simulate(g.address, request.function, [*request.args(), approvals], sender.address)
    receipt = send(g, request.function, [*request.args(), approvals], sender)
    for line in describe_logs(receipt.logs, book): print(line)

Every check says in one line what is wrong and the values involved (`ChainCheckError`), before anything
is sent; `simulate` then runs the exact call with eth_call and names any revert with the project's one
error decoder, so nothing is sent that the chain would refuse. The files and messages are
`bulwark.signing.requests` and `bulwark.signing.specs`; the commands `bulwark guardian ...`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from eth_utils import to_checksum_address

from bulwark.signing.approvals import Approval, sort_approvals
from bulwark.signing.readable import (
    DecodedCall,
    decode_call,
    render_call,
    render_event,
    scope_names,
    span,
    utc,
)
from bulwark.signing.requests import Request, SignatureFile
from bulwark.signing.specs import SCOPES, ContractBook, Entry

THRESHOLD_NAMES = (
    "threshold",
    "cancelThreshold",
    "pauseThreshold",
    "shiftPauseThreshold",
    "breakerThreshold",
)
EIP1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes) selector: the "valid" answer
LOG_WINDOW = 10_000  # blocks per eth_getLogs request (public RPCs cap the range)


class ChainCheckError(Exception):
    """The chain refuses, or would refuse, what was asked; the message is one line."""


class OperationState(IntEnum):
    """IPauseGuardian.OperationState."""

    Unset = 0
    Scheduled = 1
    Executed = 2
    Cancelled = 3


def _project():
    from ape import project

    return project


def _chain():
    from ape import chain

    return chain


def head_time() -> int:
    """The latest block's time: what view calls see. A transaction lands in a later block, at least a
    second later."""
    return int(_chain().blocks.head.timestamp)


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


# ---------------------------------------------------------------- the guardian


@dataclass(frozen=True)
class GuardianFacts:
    """What a PauseGuardian says about itself now."""

    address: str
    chain_id: int
    signers: tuple[str, ...]
    pausers: tuple[str, ...]  # pause-only keys (GRD-06)
    thresholds: dict  # name (THRESHOLD_NAMES) -> approvals needed
    delay: int  # [s] in force now for newly scheduled operations
    pending_delay: tuple[int, int]  # (new delay, effective at), (0, 0) if none
    grace_period: int  # [s]
    max_pause: int  # [s] MAX_PAUSE_DURATION

    def summary(self) -> str:
        """One line: signers, every threshold, delay (and a pending cut), grace."""
        t = self.thresholds
        pending = ""
        if self.pending_delay[1]:
            pending = f" (cut to {span(self.pending_delay[0])} from {utc(self.pending_delay[1])})"
        return (
            f"PauseGuardian {self.address} on chain {self.chain_id}: {len(self.signers)} signers, "
            f"{len(self.pausers)} pauser{'' if len(self.pausers) == 1 else 's'}; approvals "
            f"needed: schedule {t['threshold']}, cancel {t['cancelThreshold']}, pause {t['pauseThreshold']}, "
            f"loss-shifting pause {t['shiftPauseThreshold']}, breaker clear {t['breakerThreshold']}, "
            f"extend pause {t['threshold']}; delay {span(self.delay)}{pending}, "
            f"grace {span(self.grace_period)}"
        )


def open_guardian(chain_id: int, address: str, source: str, network=None):
    """The PauseGuardian at `address` as an Ape contract, after checking that the connected chain is
    `chain_id` (what `source`, a file, was made for) and that the address has code."""
    chain = _chain()
    if chain.chain_id != chain_id:
        raise ChainCheckError(f"{source} is for chain {chain_id}, but the network is chain {chain.chain_id}")
    address = to_checksum_address(address)
    if len(chain.provider.get_code(address)) == 0:
        hint = ""
        if network is not None and network.is_local and getattr(chain.provider, "name", "") == "foundry":
            hint = (
                " (ethereum:local:foundry starts an empty Anvil for each command: set "
                "APE_FOUNDRY_HOST=http://127.0.0.1:<port> to use the running node that holds the deployment)"
            )
        raise ChainCheckError(f"no contract at the PauseGuardian address {address} on chain {chain_id}{hint}")
    return _project().PauseGuardian.at(address)


def read_facts(g) -> GuardianFacts:
    """Signers, the five thresholds, the delay (and a pending cut), the grace period and the longest
    pause, read from the guardian."""
    new_delay, effective_at = g.pendingDelay()
    return GuardianFacts(
        address=g.address,
        chain_id=int(_chain().chain_id),
        signers=tuple(sorted(g.signers(), key=lambda a: int(a, 16))),
        pausers=tuple(sorted(g.pausers(), key=lambda a: int(a, 16))),
        thresholds={name: int(getattr(g, name)()) for name in THRESHOLD_NAMES},
        delay=int(g.delay()),
        pending_delay=(int(new_delay), int(effective_at)),
        grace_period=int(g.GRACE_PERIOD()),
        max_pause=int(g.MAX_PAUSE_DURATION()),
    )


@dataclass(frozen=True)
class Requirement:
    """How many approvals a request needs, which threshold that is, and why."""

    count: int
    threshold: str
    why: str

    def __str__(self) -> str:
        return f"{self.count} approval{'s' * (self.count != 1)} ({self.threshold}: {self.why})"


def requirement(g, facts: GuardianFacts, request: Request, book: ContractBook | None = None) -> Requirement:
    """The approvals `request` needs on this guardian now, with the contract's own rule (GRD-05); `book`
    names the scopes."""
    t, kind, v = facts.thresholds, request.primary_type, request.message.values
    if kind == "Schedule":
        return Requirement(t["threshold"], "threshold", "a timelocked operation")
    if kind == "Cancel":
        return Requirement(t["cancelThreshold"], "cancelThreshold", "cancelling an operation")
    if kind == "ExtendPause":
        return Requirement(t["threshold"], "threshold", "extending a running pause")
    if kind == "ClearBreaker":
        return Requirement(t["breakerThreshold"], "breakerThreshold", "clearing a tripped breaker")
    project = _project()
    if kind == "Pause":
        shifting = int(v["scopes"]) & int(project.IGuarded.at(v["target"]).lossShiftingScopes())
        if shifting:
            entry = book.entry_at(v["target"]) if book is not None else None
            type_ = entry.contract_type if entry is not None else ""
            return Requirement(
                t["shiftPauseThreshold"],
                "shiftPauseThreshold",
                f"{scope_names(type_, shifting)} shifts losses",
            )
        return Requirement(t["pauseThreshold"], "pauseThreshold", "no scope shifts losses")
    spare = int(project.MedianOracle.at(v["oracle"]).spareReporters())
    if spare > 0:
        return Requirement(
            t["pauseThreshold"], "pauseThreshold", f"the oracle has {spare} spare reporter keys"
        )
    return Requirement(
        t["shiftPauseThreshold"], "shiftPauseThreshold", "the oracle has no spare reporter key"
    )


# ---------------------------------------------------------------- naming contracts without a record

# A view only one of the suite's contract types has, to recognise it on chain.
_PROBES = (
    ("PauseGuardian", "GRACE_PERIOD"),
    ("MarginEngine", "SCALE"),
    ("InsuranceFund", "OUTFLOW_WINDOW"),
    ("MedianOracle", "FEED_ID"),
)


def recognise(address: str):
    """The suite contract type at `address` (an Entry named as in deployment records: "MedianOracle:<its
    description>" for an oracle), recognised by a view only that type has; None if none answers."""
    from bulwark.chain.artifacts import load_artifacts

    web3 = _chain().provider.web3
    artifacts = load_artifacts()
    address = to_checksum_address(address)
    for contract_type, view in _PROBES:
        fn = artifacts[contract_type].abi.functions[view][0]
        try:
            answer = bytes(web3.eth.call({"to": address, "data": "0x" + fn.selector.hex()}))
        except Exception:
            continue
        if len(answer) != 32:
            continue
        name = contract_type
        if contract_type == "MedianOracle":
            describe = artifacts[contract_type].abi.functions["description"][0]
            try:
                text = describe.decode(
                    bytes(web3.eth.call({"to": address, "data": "0x" + describe.selector.hex()}))
                )
            except Exception:
                continue
            name = f"MedianOracle:{text}"
        return Entry(name, address, contract_type)
    return None


def chain_book(addresses: Iterable[str]) -> ContractBook:
    """A ContractBook of the suite contracts among `addresses`, recognised on chain (for commands given
    no deployment record)."""
    entries = [e for e in (recognise(a) for a in dict.fromkeys(addresses)) if e is not None]
    return ContractBook(entries)


# ---------------------------------------------------------------- checks before sending


def check_fresh(g, facts: GuardianFacts, request: Request, now: int) -> None:
    """The request can still run: an operation not scheduled yet (or, to cancel, still scheduled), a
    fast-path request not used yet, and a pause or suspension ending after now and within the cap."""
    kind, v = request.primary_type, request.message.values
    if kind in ("Schedule", "Cancel"):
        op = request.operation_id
        state = OperationState(int(g.operation(op)[0]))
        if kind == "Schedule" and state != OperationState.Unset:
            raise ChainCheckError(
                f"operation 0x{op.hex()} was scheduled before (now {state.name}); "
                "a new salt proposes the same calls again"
            )
        if kind == "Cancel" and state != OperationState.Scheduled:
            raise ChainCheckError(f"operation 0x{op.hex()} is {state.name}, not Scheduled: nothing to cancel")
        return
    if g.pauseRequestUsed(request.request_id):
        raise ChainCheckError(
            f"this {kind} request was used already (request 0x{request.request_id.hex()}); "
            "fast-path approvals run once"
        )
    if "until" in v:
        until = int(v["until"])
        if until <= now:
            raise ChainCheckError(f"{kind} until {utc(until)} is not in the future (chain time {utc(now)})")
        if until > now + facts.max_pause:
            raise ChainCheckError(
                f"{kind} until {utc(until)} is beyond now + MAX_PAUSE_DURATION ({span(facts.max_pause)}, "
                f"{utc(now + facts.max_pause)})"
            )


def check_unexpired(request: Request, now: int) -> None:
    """The approvals are still valid for a transaction in the next block (at least `now + 1`)."""
    if request.valid_until < now + 1:
        raise ChainCheckError(
            f"the approvals expired: valid until {utc(request.valid_until)} ({request.valid_until}), "
            f"chain time {utc(now)}; propose and sign again"
        )


def is_contract(address: str) -> bool:
    """True if `address` has code."""
    return len(_chain().provider.get_code(address)) > 0


def eip1271_valid(signer: str, digest: bytes, signature: bytes) -> bool:
    """`signer.isValidSignature(digest, signature)` answers the EIP-1271 magic value (a reverting or
    empty answer is no)."""
    from eth_abi import encode

    data = bytes.fromhex("1626ba7e") + encode(["bytes32", "bytes"], [digest, signature])
    try:
        answer = bytes(_chain().provider.web3.eth.call({"to": signer, "data": "0x" + data.hex()}))
    except Exception:
        return False
    return len(answer) >= 4 and answer[:4] == EIP1271_MAGIC


def check_submission(
    g,
    facts: GuardianFacts,
    request: Request,
    signatures: Iterable[SignatureFile],
    sender: str,
    now: int,
    book: ContractBook | None = None,
) -> list[Approval]:
    """Everything the guardian checks, in its order, against the chain, for `sender` submitting
    `signatures` of `request` (each already checked off-chain: right digest, and for EOAs the claimed
    signer recovered). Returns the approvals sorted as the contract wants, without the sender's own (a
    signer sending counts as its own approval). ChainCheckError names the first problem."""
    signatures = list(signatures)
    sender = to_checksum_address(sender)
    seen: dict[str, str] = {}
    for sig in signatures:
        if sig.signer in seen:
            raise ChainCheckError(f"{sig.source} and {seen[sig.signer]} are both by {sig.signer}")
        seen[sig.signer] = sig.source
        contract = is_contract(sig.signer)
        if sig.eip1271 and not contract:
            raise ChainCheckError(f"{sig.source}: {sig.signer} has no code, so it cannot answer EIP-1271")
        if not sig.eip1271 and contract:
            raise ChainCheckError(
                f"{sig.source}: {sig.signer} is a contract; the guardian checks its approval with EIP-1271 "
                '(mark the file "eip1271": true)'
            )
        if sig.eip1271 and not eip1271_valid(sig.signer, request.digest, sig.signature):
            raise ChainCheckError(
                f"{sig.source}: {sig.signer}.isValidSignature refuses the signature "
                f"for digest 0x{request.digest.hex()}"
            )
        if not g.isSigner(sig.signer):
            raise ChainCheckError(
                f"{sig.source}: {sig.signer} is not a signer of the PauseGuardian {g.address}"
            )
    check_unexpired(request, now)
    check_fresh(g, facts, request, now)
    sender_counts = bool(g.isSigner(sender))
    approvals = [
        request.approval(s.signer, s.signature)
        for s in signatures
        if not (sender_counts and s.signer == sender)
    ]
    needed = requirement(g, facts, request, book)
    count = len(approvals) + sender_counts
    if count < needed.count:
        by_sender = " (the sender, a signer, counts as one)" if sender_counts else ""
        raise ChainCheckError(
            f"{count} approval{'s' * (count != 1)}{by_sender}, but {request.function} needs {needed}"
        )
    return sort_approvals(approvals)


def simulate(guardian: str, function: str, args: list, sender: str, value: int = 0) -> None:
    """Run `guardian.function(*args)` from `sender` with eth_call; ChainCheckError naming the revert
    (decoded with the project's error decoder) if it would fail."""
    from bulwark.chain.artifacts import load_artifacts

    artifacts = load_artifacts()
    fn = artifacts["PauseGuardian"].abi.functions[function][0]
    call = {"from": sender, "to": guardian, "data": "0x" + fn.encode(*args).hex()}
    if value:
        call["value"] = value
    try:
        _chain().provider.web3.eth.call(call)
    except Exception as err:
        data = getattr(err, "data", None)
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            decoded = artifacts.errors.decode(bytes.fromhex(data[2:]))
            raise ChainCheckError(f"the chain would refuse {function}: {decoded}") from None
        raise ChainCheckError(f"the chain would refuse {function}: {_one_line(err)}") from None


def send(contract, function: str, args: list, account):
    """Send `contract.function(*args)` from the Ape `account` and return the receipt; ChainCheckError
    (one line) if Ape or the node refuses it."""
    from ape.exceptions import ApeException

    try:
        return getattr(contract, function)(*args, sender=account)
    except ApeException as err:
        raise ChainCheckError(f"{function} failed: {_one_line(err)}") from None


# ---------------------------------------------------------------- events


def describe_logs(logs, book: ContractBook, indent: str = "  ") -> list[str]:
    """Readable lines for a receipt's logs: each event named with its contract and arguments (calls
    decoded); logs no project ABI knows are shown by topic."""
    from bulwark.chain.artifacts import load_artifacts

    events = load_artifacts().events
    lines = []
    for log in logs:
        topics = [bytes(t) for t in log["topics"]]
        address = to_checksum_address(log["address"])
        where = book.name_of(address) or address
        event = events.get(topics[0]) if topics else None
        if event is None:
            lines.append(
                f"{indent}{where}: unknown event {('0x' + topics[0].hex()) if topics else '(anonymous)'}"
            )
            continue
        args = event.decode(tuple(topics), bytes(log["data"]))
        lines += render_event(where, event.entry, args, book, indent)
    return lines


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class PendingOperation:
    """A scheduled operation that has not run and was not cancelled."""

    id: bytes
    eta: int
    expires_at: int
    calls: tuple[DecodedCall, ...]
    salt: bytes
    approvers: tuple[str, ...]
    block: int

    def status(self, now: int) -> str:
        """Where the operation stands at `now`: waiting for its ETA, executable, or expired."""
        if now > self.expires_at:
            return "expired: it can never run"
        if now >= self.eta:
            return f"executable now (for {span(self.expires_at - now)} more)"
        return f"waiting: executable in {span(self.eta - now)}"


def _logs(address: str, topic: bytes, from_block: int, to_block: int) -> list:
    web3 = _chain().provider.web3
    logs = []
    start = from_block
    while start <= to_block:
        end = min(start + LOG_WINDOW - 1, to_block)
        logs += web3.eth.get_logs(
            {"address": address, "fromBlock": start, "toBlock": end, "topics": ["0x" + topic.hex()]}
        )
        start = end + 1
    return logs


def pending_operations(g, book: ContractBook, from_block: int = 0) -> list[PendingOperation]:
    """Operations scheduled since `from_block` (the deployment's first block) minus those executed or
    cancelled, each confirmed Scheduled by `operation(id)`, oldest first."""
    from bulwark.chain.artifacts import load_artifacts

    abi = load_artifacts()["PauseGuardian"].abi
    by_name = {e.name: e for e in abi.events.values()}
    head = int(_chain().blocks.head.number)
    scheduled = by_name["OperationScheduled"]
    done = set()
    for name in ("OperationExecuted", "OperationCancelled"):
        for log in _logs(g.address, by_name[name].topic, from_block, head):
            done.add(bytes(log["topics"][1]))
    pending = []
    for log in _logs(g.address, scheduled.topic, from_block, head):
        args = scheduled.decode(tuple(bytes(t) for t in log["topics"]), bytes(log["data"]))
        op = bytes(args["id"])
        if op in done or OperationState(int(g.operation(op)[0])) != OperationState.Scheduled:
            continue
        pending.append(
            PendingOperation(
                id=op,
                eta=int(args["eta"]),
                expires_at=int(args["expiresAt"]),
                calls=tuple(decode_call(c, book) for c in args["calls"]),
                salt=bytes(args["salt"]),
                approvers=tuple(args["approvers"]),
                block=int(log["blockNumber"]),
            )
        )
    return pending


def render_pending(op: PendingOperation, book: ContractBook, now: int) -> list[str]:
    """Readable lines for one pending operation: id, ETA, window, approvers, calls."""
    lines = [
        f"operation 0x{op.id.hex()} (scheduled in block {op.block}, salt 0x{op.salt.hex()})",
        f"  ETA {utc(op.eta)}, grace window ends {utc(op.expires_at)}: {op.status(now)}",
        f"  approved by {', '.join(op.approvers)}",
    ]
    for i, call in enumerate(op.calls, 1):
        lines += render_call(call, book, i, indent="  ")
    return lines


@dataclass(frozen=True)
class LivePause:
    """One paused scope of one Guarded contract."""

    contract: str
    address: str
    scope: str
    until: int


def live_pauses(book: ContractBook, now: int) -> list[LivePause]:
    """Every scope of every Guarded contract of the deployment paused at `now` (pausedUntil > now)."""
    project = _project()
    pauses = []
    for entry in book.entries.values():
        if entry.contract_type not in SCOPES:
            continue
        guarded = getattr(project, entry.contract_type).at(entry.address)
        mask = int(guarded.pauseScopes())
        bit = 1
        while bit <= mask:
            if mask & bit:
                until = int(guarded.pausedUntil(bit))
                if until > now:
                    pauses.append(
                        LivePause(entry.name, entry.address, scope_names(entry.contract_type, bit), until)
                    )
            bit <<= 1
    return pauses
