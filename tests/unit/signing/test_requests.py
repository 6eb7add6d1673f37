"""The files signers pass around: typed data in the eth_signTypedData_v4 shape that reads back to the
same digest, refused when edited; signature files that must sign that digest and recover to their
signer; operation files whose id must match their calls."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from bulwark.signing.approvals import (
    Call,
    cancel_message,
    clear_breaker_message,
    extend_pause_message,
    operation_id,
    pause_message,
    request_id,
    schedule_message,
    sign,
    suspend_reporter_message,
    typed_digest,
    with_high_s,
)
from bulwark.signing.requests import (
    Request,
    Sidecar,
    SidecarError,
    SignatureFile,
    SignatureFileError,
    TypedDataError,
    check_signature,
    read_sidecar,
    read_signature,
    read_typed_data,
    recover,
    sidecar_path,
)

GUARDIAN = "0x" + "11" * 20
TARGET = "0x" + "44" * 20
KEY = "0x" + "01" * 32
OTHER_KEY = "0x" + "02" * 32
CALLS = [Call(TARGET, 0, b"\x12\x34"), Call(TARGET, 2**60, b"")]  # a value past 2^53 travels as a string
MESSAGES = {
    "Schedule": schedule_message(CALLS, b"\x07" * 32),
    "Cancel": cancel_message(b"\x08" * 32),
    "Pause": pause_message(TARGET, 0b101, 5_000),
    "ExtendPause": extend_pause_message(TARGET, 1, 6_000),
    "SuspendReporter": suspend_reporter_message(TARGET, "0x" + "77" * 20, 7_000),
    "ClearBreaker": clear_breaker_message(TARGET, True, 9),
}


def request(kind: str = "Schedule") -> Request:
    return Request(MESSAGES[kind], 31337, GUARDIAN, 4_000)


def through_json(data):
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_typed_data_reads_back_to_the_same_request_and_digest(kind):
    """Each kind written as JSON and read again is the same request, with approvals.py's digest."""
    r = request(kind)
    again = read_typed_data(through_json(r.as_json()), "t.json")
    assert again == r
    assert again.digest == typed_digest(MESSAGES[kind], 31337, GUARDIAN, 4_000)


def test_typed_data_has_the_eth_sign_typed_data_v4_shape():
    data = through_json(request().as_json())
    assert set(data) == {"types", "primaryType", "domain", "message"}
    assert data["primaryType"] == "Schedule"
    assert [f["name"] for f in data["types"]["EIP712Domain"]] == [
        "name",
        "version",
        "chainId",
        "verifyingContract",
    ]
    assert data["domain"] == {
        "name": "Bulwark PauseGuardian",
        "version": "1",
        "chainId": 31337,
        "verifyingContract": GUARDIAN,
    }
    assert data["message"]["calls"][0] == {"target": TARGET, "value": 0, "data": "0x1234"}
    assert data["message"]["calls"][1]["value"] == str(2**60)
    assert data["message"]["salt"] == "0x" + "07" * 32 and data["message"]["validUntil"] == 4_000


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["types"]["Call"].reverse(), "types differ from the PauseGuardian's Schedule types"),
        (
            lambda d: d["domain"].update(name="Other"),
            "domain is 'Other' version '1', not 'Bulwark PauseGuardian'",
        ),
        (lambda d: d.update(primaryType="Transfer"), "primaryType 'Transfer' is not a PauseGuardian request"),
        (
            lambda d: d["message"].update(extra=1),
            "message: expected exactly the fields calls, salt, validUntil",
        ),
        (lambda d: d["message"].update(salt="0x01"), "message.salt: expected 32 bytes, got 1"),
        (
            lambda d: d["message"]["calls"][0].update(value=-1),
            "message.calls[0].value: expected a uint256, got -1",
        ),
        (lambda d: d.update(note="hi"), "unknown key 'note'"),
    ],
)
def test_an_edited_typed_data_file_is_refused_in_one_line(edit, message):
    data = through_json(request().as_json())
    edit(data)
    with pytest.raises(TypedDataError) as info:
        read_typed_data(data, "t.json")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("t.json: ")


def test_the_guardian_call_takes_the_message_fields_in_order():
    assert request("Pause").function == "pause"
    assert request("Pause").args() == [TARGET, 0b101, 5_000]
    assert request("ClearBreaker").args() == [TARGET, True, 9]
    assert request("Schedule").args() == [[tuple(c) for c in CALLS], b"\x07" * 32]
    assert request("Schedule").operation_id == operation_id(CALLS, b"\x07" * 32)
    assert request("Cancel").operation_id == b"\x08" * 32
    assert request("Pause").request_id == request_id(MESSAGES["Pause"])
    assert request("Schedule").request_id is None


def signed(r: Request, key: str = KEY) -> SignatureFile:
    approval = sign(key, r.message, r.chain_id, r.guardian, r.valid_until)
    return SignatureFile(approval.signer, approval.signature, r.digest, source="s.json")


def test_a_signature_file_round_trips_and_recovers_to_its_signer():
    r = request()
    sig = signed(r)
    again = read_signature(through_json(sig.as_json()), "s.json")
    assert again == sig and set(sig.as_json()) == {"signer", "signature", "digest"}
    check_signature(again, r)
    assert recover(r.digest, sig.signature) == Account.from_key(KEY).address


def test_a_signature_of_another_request_is_refused():
    sig = signed(request("Pause"))
    with pytest.raises(
        SignatureFileError, match=r"^s\.json: signs digest 0x\w+, not this typed data's 0x\w+$"
    ):
        check_signature(sig, request("Schedule"))


def test_a_signature_claiming_another_signer_is_refused():
    r = request()
    real = signed(r)
    forged = SignatureFile(Account.from_key(OTHER_KEY).address, real.signature, r.digest, source="s.json")
    with pytest.raises(SignatureFileError) as info:
        check_signature(forged, r)
    assert str(info.value) == (
        f"s.json: the signature recovers to {real.signer}, not the claimed signer {forged.signer}"
    )


def test_a_malleable_high_s_signature_is_refused_off_chain():
    r = request()
    real = signed(r)
    twin = SignatureFile(real.signer, with_high_s(real.signature), r.digest, source="s.json")
    with pytest.raises(SignatureFileError, match=r"s is in the upper half"):
        check_signature(twin, r)


def test_a_contract_signature_is_left_to_the_chain():
    """An eip1271 file is checked on chain (EIP-1271), so off-chain only its digest must match."""
    r = request()
    sig = SignatureFile("0x" + "99" * 20, b"\x01" * 130, r.digest, eip1271=True, source="safe.json")
    check_signature(sig, r)
    assert read_signature(through_json(sig.as_json()), "safe.json").eip1271


@pytest.mark.parametrize(
    "data, message",
    [
        ({"signer": "0x" + "99" * 20, "signature": "0x00"}, "missing 'digest'"),
        ({"signer": "me", "signature": "0x00", "digest": "0x" + "00" * 32}, "signer: expected an address"),
        (
            {"signer": "0x" + "99" * 20, "signature": "0x0", "digest": "0x" + "00" * 32},
            "signature: expected 0x-hex bytes",
        ),
        (
            {"signer": "0x" + "99" * 20, "signature": "0x00", "digest": "0x" + "00" * 32, "by": 1},
            "unknown key 'by'",
        ),
    ],
)
def test_a_malformed_signature_file_is_one_line(data, message):
    with pytest.raises(SignatureFileError) as info:
        read_signature(data, "s.json")
    assert message in str(info.value) and str(info.value).startswith("s.json: ")


def sidecar() -> Sidecar:
    salt = b"\x07" * 32
    return Sidecar(
        "calls",
        31337,
        GUARDIAN,
        4_000,
        {"MarginEngine": TARGET},
        "d",
        tuple(CALLS),
        salt,
        operation_id(CALLS, salt),
    )


def test_an_operation_file_round_trips():
    data = through_json(sidecar().as_json())
    assert data["calls"][0]["contract"] == "MarginEngine"
    again = read_sidecar(data, "op.json")
    assert (again.calls, again.salt, again.operation_id) == (
        tuple(CALLS),
        b"\x07" * 32,
        sidecar().operation_id,
    )


def test_an_operation_file_whose_calls_were_edited_is_refused():
    data = through_json(sidecar().as_json())
    data["calls"][0]["data"] = "0x9999"
    with pytest.raises(SidecarError, match=r"^op\.json: operation_id does not match its calls and salt"):
        read_sidecar(data, "op.json")


def test_the_operation_file_sits_beside_the_typed_data(tmp_path):
    assert sidecar_path(tmp_path / "raise.json") == tmp_path / "raise.operation.json"
    assert sidecar_path(tmp_path / "raise") == tmp_path / "raise.operation.json"
