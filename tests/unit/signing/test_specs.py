"""Specs become exact calldata and messages: names resolve to the deployment's addresses and ABIs,
arguments are checked against the ABI (WAD decimals exactly, no floats), and every mistake is one line
naming the file and the field."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from eth_abi import encode
from eth_utils import keccak

from bulwark import PROJECT_ROOT
from bulwark.abi.codec import ContractABI
from bulwark.abi.scopes import EngineScope, FundScope
from bulwark.signing.approvals import clear_breaker_message, pause_message, schedule_message
from bulwark.signing.specs import ContractBook, SpecError, load_yaml, parse_int, parse_salt, parse_spec

CONTRACTS = {
    "PauseGuardian": "0x" + "11" * 20,
    "collateral": "0x" + "22" * 20,
    "InsuranceFund": "0x" + "33" * 20,
    "MarginEngine": "0x" + "44" * 20,
    "MedianOracle": {"ETH/USD": "0x" + "55" * 20, "BTC/USD": "0x" + "66" * 20},
}
RISK_TYPE = "(uint64,uint64,uint64,uint32,uint64,uint64,uint64,uint64,uint128,uint128)"
RISK = {
    "baseMmr": "0.06 wad",
    "maxMmr": "0.25 wad",
    "volMultiplier": "0.5 wad",
    "horizon": 86400,
    "imFactor": "2 wad",
    "liquidationBonus": "0.02 wad",
    "insuranceShare": "0.01 wad",
    "maxTradeDeviation": "0.05 wad",
    "openInterestCap": "10000 wad",
    "dustSize": "0.01 wad",
}
RISK_VALUES = (
    6 * 10**16,
    25 * 10**16,
    5 * 10**17,
    86400,
    2 * 10**18,
    2 * 10**16,
    10**16,
    5 * 10**16,
    10**22,
    10**16,
)


@pytest.fixture(scope="module")
def book() -> ContractBook:
    return ContractBook.from_contracts(CONTRACTS)


def spec(text: str, book: ContractBook):
    return parse_spec(load_yaml(text, "s.yaml"), book, "s.yaml")


def one_call(function: str, args: str, book, contract: str = "MarginEngine", extra: str = ""):
    return spec(f"calls: [{{contract: {contract}, function: {function}, args: {args}{extra}}}]", book)


def error(text: str, book) -> str:
    with pytest.raises(SpecError) as info:
        spec(text, book)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_struct_given_by_field_name_encodes_as_the_abi_says(book):
    """setRiskParams(0, {baseMmr: 0.06 wad, ...}) is the selector and abi.encode of the whole struct."""
    draft = one_call("setRiskParams", f"[0, {RISK}]".replace("'", '"'), book)
    [call] = draft.calls
    selector = keccak(text=f"setRiskParams(uint256,{RISK_TYPE})")[:4]
    assert call.data == selector + encode(["uint256", RISK_TYPE], [0, RISK_VALUES])
    assert call.target == "0x" + "44" * 20 and call.value == 0


def test_a_struct_given_as_a_list_in_field_order_encodes_the_same(book):
    by_name = one_call("setRiskParams", f"[0, {RISK}]".replace("'", '"'), book)
    as_list = one_call("setRiskParams", f"[0, {list(RISK.values())}]".replace("'", '"'), book)
    assert by_name.calls == as_list.calls


def test_a_wad_decimal_is_exact_and_never_rounded():
    assert parse_int("0.075 wad", "x") == 75 * 10**15
    assert parse_int("1 wad", "x") == 10**18
    assert parse_int("-0.5 wad", "x") == -(5 * 10**17)
    assert parse_int("0.000000000000000001 wad", "x") == 1
    with pytest.raises(SpecError, match=r"has more than 18 decimal places"):
        parse_int("0.0000000000000000001 wad", "x")


def test_integers_may_be_decimal_hex_or_underscored():
    assert parse_int(1_000, "x") == 1000
    assert parse_int("1_000", "x") == 1000
    assert parse_int("0x3e8", "x") == 1000
    with pytest.raises(SpecError, match=r"expected an integer, got true"):
        parse_int(True, "x")


def test_a_float_is_refused_with_the_wad_spelling_to_use_instead(book):
    """0.075 in YAML is not a number to round: the error says to write '0.075 wad'."""
    message = error("calls: [{contract: MarginEngine, function: setReduceOnly, args: [0.075, true]}]", book)
    assert message == (
        "s.yaml: calls[0].args[0]: '0.075' is not an integer; write '0.075 wad' for a WAD decimal"
    )
    with pytest.raises(SpecError, match=r"0\.075 is a float; write an integer or a WAD decimal such as"):
        parse_int(0.075, "x")


def test_yaml_resolves_only_decimal_integers_booleans_and_null():
    """0x-hex, octal-looking and sexagesimal scalars stay as written (YAML 1.1 would convert them)."""
    data = load_yaml("a: 0x10\nb: 010\nc: 1:30\nd: 1_000\ne: yes\nf: true\ng: 1.5\nh: null\n", "y")
    assert data == {
        "a": "0x10",
        "b": 10,
        "c": "1:30",
        "d": 1000,
        "e": "yes",
        "f": True,
        "g": "1.5",
        "h": None,
    }


def test_an_unknown_contract_lists_the_deployment_names(book):
    assert error("calls: [{contract: Engine, function: setReduceOnly, args: [0, true]}]", book) == (
        "s.yaml: calls[0].contract: unknown contract 'Engine'; the deployment has PauseGuardian, collateral, "
        "InsuranceFund, MarginEngine, MedianOracle:ETH/USD, MedianOracle:BTC/USD"
    )


def test_an_oracle_is_named_with_its_market(book):
    message = error("calls: [{contract: MedianOracle, function: setReporter, args: []}]", book)
    assert message.endswith(
        "MedianOracle needs its market: one of MedianOracle:ETH/USD, MedianOracle:BTC/USD"
    )
    draft = one_call("clearBreaker", "[true]", book, contract='"MedianOracle:BTC/USD"')
    assert draft.calls[0].target == "0x" + "66" * 20


def test_signers_propose_adding_and_removing_a_pauser_through_the_guardian_itself(book):
    """addPauser / removePauser are self-administration: the operation calls the guardian (GRD-06)."""
    pauser = "0x" + "77" * 20
    for function in ("addPauser", "removePauser"):
        [call] = one_call(function, f'["{pauser}"]', book, contract="PauseGuardian").calls
        assert call.target == "0x" + "11" * 20
        assert call.data[4:] == bytes(12) + bytes.fromhex("77" * 20)
        assert call.data[:4] == keccak(text=f"{function}(address)")[:4]


def test_an_unknown_function_is_named_with_a_case_hint(book):
    message = error("calls: [{contract: MarginEngine, function: setreduceonly, args: [0, true]}]", book)
    assert message == (
        "s.yaml: calls[0].function: MarginEngine has no function 'setreduceonly' "
        "(did you mean setReduceOnly?)"
    )


def test_a_view_function_is_refused(book):
    message = error("calls: [{contract: MarginEngine, function: mmr, args: [0]}]", book)
    assert message.endswith(
        "MarginEngine.mmr(uint256) is a view; an operation calls functions that change state"
    )


def test_a_wrong_argument_count_names_each_parameter(book):
    message = error("calls: [{contract: MarginEngine, function: setRiskParams, args: [0]}]", book)
    assert message == (
        "s.yaml: calls[0].args: MarginEngine.setRiskParams takes 2 arguments "
        "(marketId uint256, risk RiskParams), got 1"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ("[0, 1]", "calls[0].args[1]: expected true or false, got 1"),
        ("[-1, true]", "calls[0].args[0]: -1 does not fit uint256 (0..2^256-1)"),
        ("['zero', true]", "calls[0].args[0]: expected an integer or '<decimal> wad', got 'zero'"),
    ],
)
def test_a_wrong_argument_type_is_named_with_its_value(book, args, message):
    assert error(f"calls: [{{contract: MarginEngine, function: setReduceOnly, args: {args}}}]", book) == (
        f"s.yaml: {message}"
    )


def test_a_struct_field_out_of_range_missing_or_unknown_is_named(book):
    too_big = {**RISK, "horizon": 2**32}
    message = error(
        f"calls: [{{contract: MarginEngine, function: setRiskParams, args: [0, {too_big}]}}]", book
    )
    assert message == "s.yaml: calls[0].args[1].horizon: 4294967296 does not fit uint32 (0..2^32-1)"
    missing = {k: v for k, v in RISK.items() if k != "dustSize"}
    message = error(
        f"calls: [{{contract: MarginEngine, function: setRiskParams, args: [0, {missing}]}}]", book
    )
    assert message == "s.yaml: calls[0].args[1]: missing field dustSize"
    unknown = {**RISK, "dust": 1}
    message = error(
        f"calls: [{{contract: MarginEngine, function: setRiskParams, args: [0, {unknown}]}}]", book
    )
    assert message.startswith(
        "s.yaml: calls[0].args[1]: unknown field 'dust'; RiskParams has baseMmr, maxMmr"
    )


def test_an_address_may_be_a_deployment_name_and_a_bad_checksum_is_refused(book):
    draft = one_call("setEngine", "[MarginEngine, true]", book, contract="InsuranceFund")
    assert draft.calls[0].data[4:36] == bytes(12) + bytes.fromhex("44" * 20)
    bad = "0xAbCdEf0000000000000000000000000000000000"
    message = error(f"calls: [{{contract: InsuranceFund, function: setEngine, args: ['{bad}', true]}}]", book)
    assert message.endswith(f"{bad} has an invalid EIP-55 checksum (mixed case must match it)")


def test_value_is_refused_for_a_function_that_is_not_payable(book):
    message = error(
        "calls: [{contract: MarginEngine, function: setReduceOnly, args: [0, true], value: 1}]", book
    )
    assert (
        message
        == "s.yaml: calls[0].value: MarginEngine.setReduceOnly(uint256,bool) is not payable; value must be 0"
    )


def test_an_overloaded_function_needs_its_signature():
    """With two `f`s the name alone is ambiguous; the full signature picks one."""
    abi = ContractABI(
        "Twice",
        [
            {
                "type": "function",
                "name": "f",
                "inputs": [{"name": "a", "type": "uint256"}],
                "outputs": [],
                "stateMutability": "nonpayable",
            },
            {
                "type": "function",
                "name": "f",
                "inputs": [{"name": "a", "type": "bool"}],
                "outputs": [],
                "stateMutability": "nonpayable",
            },
        ],
    )
    book = ContractBook.from_contracts({"MarginEngine": "0x" + "44" * 20}, abis=lambda _: abi)
    assert error("calls: [{contract: MarginEngine, function: f, args: [1]}]", book) == (
        "s.yaml: calls[0].function: MarginEngine.f is overloaded; write the signature: f(uint256), f(bool)"
    )
    draft = spec("calls: [{contract: MarginEngine, function: 'f(bool)', args: [true]}]", book)
    assert draft.calls[0].data == keccak(text="f(bool)")[:4] + encode(["bool"], [True])


def test_a_pause_names_scopes_and_takes_until_or_duration(book):
    draft = spec("pause: {contract: MarginEngine, scopes: [TRADE, WITHDRAW], duration: 90m}", book)
    assert draft.scopes == EngineScope.TRADE | EngineScope.WITHDRAW
    assert draft.message(now=1_000) == pause_message("0x" + "44" * 20, 0b1001, 1_000 + 90 * 60)
    draft = spec("pause: {contract: InsuranceFund, scopes: [COVER], until: 5000}", book)
    assert draft.message(now=1_000) == pause_message("0x" + "33" * 20, int(FundScope.COVER), 5000)


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "{contract: MarginEngine, scopes: [TRADE, FOO], duration: 1h}",
            "pause.scopes[1]: MarginEngine has no scope 'FOO'; "
            "its scopes are TRADE, LIQUIDATE, DEPOSIT, WITHDRAW",
        ),
        (
            "{contract: PauseGuardian, scopes: [TRADE], duration: 1h}",
            "pause.scopes: PauseGuardian has no pause scopes; pauses are for MarginEngine, InsuranceFund and "
            "MedianOracle:<market>",
        ),
        (
            "{contract: MarginEngine, scopes: [TRADE], duration: 1h, until: 5}",
            "pause: give exactly one of until (unix seconds) or duration",
        ),
        (
            "{contract: MarginEngine, scopes: [TRADE]}",
            "pause: give exactly one of until (unix seconds) or duration",
        ),
        (
            "{contract: MarginEngine, scopes: [TRADE], duration: soon}",
            "pause.duration: expected seconds or a duration such as '90m', '2h', '1d'; got 'soon'",
        ),
        ("{scopes: [TRADE], duration: 1h}", "pause: missing field 'contract'"),
        (
            "{contract: MarginEngine, scope: [TRADE], duration: 1h}",
            "pause: unknown field 'scope' (allowed: contract, scopes, until, duration)",
        ),
    ],
)
def test_a_bad_pause_is_one_line_naming_the_field(book, body, message):
    assert error(f"pause: {body}", book) == f"s.yaml: {message}"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "description: only words",
            "give exactly one of calls, cancel, pause, extend_pause, suspend_reporter, "
            "clear_breaker (got none)",
        ),
        (
            "calls: []\npause: {}",
            "give exactly one of calls, cancel, pause, extend_pause, suspend_reporter, "
            "clear_breaker (got calls, pause)",
        ),
        (
            "call: []",
            "unknown field 'call' (allowed: description, calls, cancel, pause, extend_pause, "
            "suspend_reporter, clear_breaker)",
        ),
        ("calls: []", "calls: expected a non-empty list of calls, got an empty list"),
        (
            "[1, 2]",
            "expected a mapping with one of calls, cancel, pause, extend_pause, suspend_reporter, "
            "clear_breaker, got a list",
        ),
        ("cancel: {id: '0x01'}", "cancel.id: expected 32 bytes, got 1 (0x01)"),
        (
            "clear_breaker: {oracle: MarginEngine, accept_candidate: true}",
            "clear_breaker.oracle: MarginEngine is not a MedianOracle",
        ),
        (
            "clear_breaker: {oracle: 'MedianOracle:ETH/USD', accept_candidate: 1}",
            "clear_breaker.accept_candidate: expected true or false, got 1",
        ),
        (
            "calls: [{contract: MarginEngine, function: setReduceOnly, args: [0, true]}]\nkey: 1",
            "unknown field 'key' (allowed: description, calls, cancel, pause, extend_pause, "
            "suspend_reporter, "
            "clear_breaker)",
        ),
        ("calls:\n  - contract: MarginEngine\n   function: x", None),
    ],
)
def test_a_malformed_spec_is_one_line(book, text, message):
    got = error(text, book)
    if message is None:
        assert got.startswith("s.yaml: not valid YAML (line ")
    else:
        assert got == f"s.yaml: {message}"


def test_a_breaker_clear_takes_the_oracles_current_epoch_unless_given(book):
    draft = spec("clear_breaker: {oracle: 'MedianOracle:ETH/USD', accept_candidate: true}", book)
    seen = []
    message = draft.message(now=0, current_epoch=lambda oracle: seen.append(oracle) or 41)
    assert message == clear_breaker_message("0x" + "55" * 20, True, 41)
    assert seen == ["0x" + "55" * 20]
    draft = spec("clear_breaker: {oracle: 'MedianOracle:ETH/USD', accept_candidate: false, epoch: 7}", book)
    assert draft.message(now=0) == clear_breaker_message("0x" + "55" * 20, False, 7)


def test_a_schedule_message_covers_every_call_and_the_salt(book):
    text = f"calls: [{{contract: MarginEngine, function: setRiskParams, args: [0, {RISK}]}}, " + (
        "{contract: InsuranceFund, function: setEngine, args: [MarginEngine, false]}]"
    )
    draft = spec(text, book)
    salt = parse_salt("0x01")
    assert salt == bytes(31) + b"\x01"
    assert draft.message(now=0, salt=salt) == schedule_message(draft.calls, salt)
    assert len(draft.calls) == 2


def test_the_wad_examples_of_the_docs_hold():
    """The README's example: '0.075 wad' is 75000000000000000."""
    assert parse_int("0.075 wad", "x") == int(Decimal("0.075") * 10**18) == 75_000_000_000_000_000


def yaml_blocks(text: str) -> list[str]:
    return [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]


def test_the_example_specs_of_the_readme_and_the_guide_are_valid(book):
    """Every YAML example in README's signer-tools section and docs/GUARDIAN_TOOLS.md parses and encodes;
    the fast-path examples of the guide are one action per line."""
    readme = (PROJECT_ROOT / "README.md").read_text().split("### Guardian signer tools", 1)[1]
    readme = re.split(r"^#{2,3} ", readme, maxsplit=1, flags=re.MULTILINE)[0]  # that section only
    guide = (PROJECT_ROOT / "docs" / "GUARDIAN_TOOLS.md").read_text()
    [example] = yaml_blocks(readme)
    draft = spec(example, book)
    assert draft.calls[0].data[4 + 32 : 4 + 64] == (6 * 10**16).to_bytes(32, "big")  # baseMmr
    operation, fast = yaml_blocks(guide)
    assert len(spec(operation, book).calls) == 2
    reporter = "0x" + "77" * 20
    for line in fast.strip().splitlines():
        text = (
            line.split("#", 1)[0]
            .replace('"0x..."', f'"{reporter}"')
            .replace('"0x<operation id>"', f'"0x{"ab" * 32}"')
        )
        assert spec(text, book).action == line.split(":", 1)[0]
