"""Calls and requests as people read them: contract names, signatures, arguments and struct fields by
name, integers with their exact WAD reading, times in UTC."""

from __future__ import annotations

from bulwark.signing.approvals import Call, pause_message
from bulwark.signing.readable import decode_call, describe_request, render_call, span, utc, wad_text
from bulwark.signing.requests import Request
from bulwark.signing.specs import ContractBook, load_yaml, parse_spec
from tests.unit.signing.test_specs import CONTRACTS, RISK

BOOK = ContractBook.from_contracts(CONTRACTS)


def test_a_struct_argument_is_shown_field_by_field_with_its_wad_reading():
    text = f"calls: [{{contract: MarginEngine, function: setRiskParams, args: [1, {RISK}]}}]"
    [call] = parse_spec(load_yaml(text, "s"), BOOK, "s").calls
    lines = render_call(decode_call(call, BOOK), BOOK, 1)
    assert lines[0] == "  1. MarginEngine 0x" + "44" * 20
    assert lines[1].strip().startswith("setRiskParams(uint256,(uint64,")
    assert "       marketId: 1" in lines
    assert "       risk: RiskParams" in lines
    assert "         baseMmr: 60000000000000000 (0.06 wad)" in lines
    assert "         horizon: 86400" in lines  # small integers are not read as WAD
    assert "         openInterestCap: 10000000000000000000000 (10000 wad)" in lines


def test_an_address_argument_is_named_when_it_is_in_the_deployment():
    text = "calls: [{contract: InsuranceFund, function: setEngine, args: [MarginEngine, true]}]"
    [call] = parse_spec(load_yaml(text, "s"), BOOK, "s").calls
    lines = render_call(decode_call(call, BOOK), BOOK)
    assert f"       engine: {'0x' + '44' * 20} (MarginEngine)" in [line.rstrip() for line in lines]
    assert any(line.strip() == "registered: true" for line in lines)


def test_a_call_no_abi_knows_shows_its_calldata():
    call = Call("0x" + "99" * 20, 0, bytes.fromhex("deadbeef00"))
    decoded = decode_call(call, BOOK)
    assert decoded.function is None and decoded.contract is None
    lines = render_call(decoded, BOOK)
    assert lines[1].strip() == "unknown selector 0xdeadbeef"
    assert lines[2].strip() == "calldata: 0xdeadbeef00"


def test_a_pause_request_names_its_scopes_target_and_times():
    r = Request(
        pause_message("0x" + "44" * 20, 0b1001, 1_800_000_000), 31337, "0x" + "11" * 20, 1_799_990_000
    )
    first, second = describe_request(r, BOOK)
    assert first == (
        f"Pause TRADE|WITHDRAW (mask 0x9) on MarginEngine {'0x' + '44' * 20} until 2027-01-15 08:00:00 UTC"
    )
    assert second.endswith("approvals valid until 2027-01-15 05:13:20 UTC (1799990000)")


def test_wad_text_and_spans_are_exact():
    assert wad_text(75 * 10**15) == "0.075"
    assert wad_text(10**22) == "10000"
    assert wad_text(1) == "0.000000000000000001"
    assert span(172_800) == "2d" and span(3_661) == "1h 1m 1s" and span(0) == "0s"
    assert utc(0) == "1970-01-01 00:00:00 UTC"
