"""Parameter files: validated before anything is deployed, bad ones reported in one line."""

import json
import subprocess
from decimal import Decimal

import pytest

from bulwark import PROJECT_ROOT
from bulwark.params import ParamsError, load_params, read_params, token_units, validate_params, wad

LOCAL = PROJECT_ROOT / "params" / "local.json"
TESTNET = PROJECT_ROOT / "params" / "testnet.example.json"
ADDRESS = "0x" + "22" * 20


def write(tmp_path, data) -> str:
    path = tmp_path / "params.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def local_data() -> dict:
    return json.loads(LOCAL.read_text())


def test_the_shipped_local_parameters_load():
    """The demo's own file is valid: mock collateral, two markets over test reporters."""
    params = load_params(LOCAL)
    assert params.collateral.deploy_mock
    assert params.collateral.decimals == 6
    assert [m.name for m in params.markets] == ["ETH/USD", "BTC/USD", "THIN/USD"]
    assert [m.isolated_fund is not None for m in params.markets] == [False, False, True]
    assert params.markets[0].oracle.test_reporters == 7


def test_the_testnet_example_loads_and_has_nothing_local_only():
    """The example for live networks names real addresses only."""
    params = load_params(TESTNET)
    assert params.local_only() == []
    assert not params.collateral.deploy_mock


def test_the_local_file_lists_its_local_only_fields():
    """deploy refuses these on a live network: public test keys, Anvil accounts, a mintable mock."""
    assert load_params(LOCAL).local_only() == [
        "collateral.deploy_mock",
        "guardian.anvil_signers",
        "markets.0.oracle.test_reporters",
        "markets.1.oracle.test_reporters",
        "markets.2.oracle.test_reporters",
    ]


def test_decimals_in_the_file_are_exact():
    """0.1 in JSON is the decimal 0.1, not the nearest binary float: WAD conversion is exact."""
    params, raw = read_params(LOCAL)
    assert raw == LOCAL.read_bytes()
    oracle, risk = params.markets[0].oracle, params.markets[0].risk
    assert wad(oracle.max_deviation) == 10**17
    assert wad(risk.base_mmr) == 5 * 10**16
    assert wad(risk.dust_size) == 10**16
    assert wad(params.markets[1].risk.dust_size) == 10**14


def test_token_amounts_finer_than_the_collateral_are_refused():
    assert token_units(Decimal("50000.5"), 6, "fund.max_outflow") == 50_000_500_000
    with pytest.raises(ParamsError, match=r"^fund.max_outflow: 0.0000001 is finer than the collateral's 6"):
        token_units(Decimal("0.0000001"), 6, "fund.max_outflow")


def _set(*path, value):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(*path):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


ETH_RISK = ("markets", 0, "risk")
ETH_ORACLE = ("markets", 0, "oracle")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # the sections that were there before
        (_set("collateral", "decimals", value=19), "collateral.decimals: Input should be less than"),
        (_set("collateral", "address", value=ADDRESS), "give either deploy_mock"),
        (_set("surprise", value=1), "surprise: Extra inputs are not permitted"),
        (_set("pause", "surprise", value=1), "pause.surprise: Extra inputs are not permitted"),
        (_set("pause", "demo_duration", value=0), "pause.demo_duration: Input should be greater"),
        (
            _set("pause", "demo_duration", value=4 * 86_400),
            "(top level): Value error, pause.demo_duration 345600 exceeds guardian.max_pause_duration 259200",
        ),
        (_set("guardian", "threshold", value=6), "guardian: Value error, threshold 6 exceeds the 5 signers"),
        (_drop("guardian", "shift_pause_threshold"), "guardian.shift_pause_threshold: Field required"),
        (_drop("guardian", "breaker_threshold"), "guardian.breaker_threshold: Field required"),
        (
            _set("guardian", "shift_pause_threshold", value=1),
            "guardian: Value error, shift_pause_threshold 1 must be at least 2 with 5 signers, so that no "
            "single key pauses a loss-shifting scope",
        ),
        (
            _set("guardian", "breaker_threshold", value=4),
            "guardian: Value error, thresholds must order as pause_threshold 1 <= shift_pause_threshold 2 "
            "<= breaker_threshold 4 <= threshold 3",
        ),
        (
            _set("guardian", "pause_threshold", value=3),
            "guardian: Value error, thresholds must order as pause_threshold 3 <= shift_pause_threshold 2",
        ),
        (_set("guardian", "delay", value=60), "guardian: Value error, delay 60 outside [min_delay 3600"),
        (_set("guardian", "signers", value=[ADDRESS]), "give either signers"),
        (
            lambda d: (d["guardian"].pop("anvil_signers"), d["guardian"].update(signers=["0x1234"])),
            "guardian.signers.0: Value error, '0x1234' is not an address",
        ),
        (
            _set("guardian", "pausers", value=[ADDRESS, ADDRESS]),
            "guardian: Value error, pausers lists an address twice",
        ),
        (
            lambda d: (
                d["guardian"].pop("anvil_signers"),
                d["guardian"].update(signers=[ADDRESS], pausers=[ADDRESS]),
            ),
            f"guardian: Value error, {ADDRESS} is both a signer and a pauser: a pause-only key must not be",
        ),
        (_set("guardian", "pausers", value=["0x1234"]), "guardian.pausers.0: Value error, '0x1234' is not"),
        (_set("guardian", "pausers", value=[ADDRESS] * 9), "guardian.pausers: List should have at most 8"),
        # fund
        (_drop("fund"), "fund: Field required"),
        (_set("fund", "cooldown", value=59), "fund.cooldown: Input should be greater than or equal to 3600"),
        (_set("fund", "redeem_window", value=31 * 86_400), "fund.redeem_window: Input should be less than"),
        (_set("fund", "outflow_window", value=0), "fund.outflow_window: Input should be greater"),
        (_set("fund", "max_outflow", value=0), "fund.max_outflow: Input should be greater than 0"),
        (_set("fund", "max_outflow", value="lots"), "fund.max_outflow: Input should be a valid decimal"),
        (_set("fund", "symbol", value=""), "fund.symbol: String should have at least 1 character"),
        # markets
        (_set("markets", value=[]), "markets: List should have at least 1 item"),
        (
            lambda d: d["markets"].append(d["markets"][0]),
            "(top level): Value error, market names repeat: ['ETH/USD', 'BTC/USD', 'THIN/USD', 'ETH/USD']",
        ),
        (_set("markets", 0, "name", value=""), "markets.0.name: String should have at least 1 character"),
        # an isolated market's own fund
        (
            _set("markets", 2, "isolated_fund", "symbol", value="bINS-mUSD"),
            "(top level): Value error, markets.2.isolated_fund.symbol 'bINS-mUSD' repeats fund.symbol: each "
            "fund needs its own",
        ),
        (
            _set("markets", 2, "isolated_fund", "max_outflow", value=0),
            "markets.2.isolated_fund.max_outflow: Input should be greater than 0",
        ),
        (
            _set("markets", 2, "isolated_fund", "cooldown", value=59),
            "markets.2.isolated_fund.cooldown: Input should be greater than or equal to 3600",
        ),
        (_drop("markets", 2, "isolated_fund", "name"), "markets.2.isolated_fund.name: Field required"),
        (
            _set("markets", 2, "isolated_fund", "surprise", value=1),
            "markets.2.isolated_fund.surprise: Extra inputs are not permitted",
        ),
        (_set("markets", 0, "venue", value="x"), "markets.0.venue: Extra inputs are not permitted"),
        # oracle
        (
            _set(*ETH_ORACLE, "quorum", value=8),
            "markets.0.oracle: Value error, quorum 8 with fault_tolerance 2 and 7 reporters breaks the "
            "oracle's rule: quorum >= 2 * fault_tolerance + 1, 2 * quorum > reporters, "
            "reporters >= quorum + fault_tolerance",
        ),
        (
            _set(*ETH_ORACLE, "quorum", value=4),
            "markets.0.oracle: Value error, quorum 4 with fault_tolerance 2 and 7 reporters breaks",
        ),
        (
            _set(*ETH_ORACLE, "max_report_age", value=3600),
            "markets.0.oracle: Value error, max_report_age 3600 must be below max_staleness 3600",
        ),
        (
            _set(*ETH_ORACLE, "max_future_skew", value=901),
            "markets.0.oracle.max_future_skew: Input should be less than or equal to 900",
        ),
        (
            _set(*ETH_ORACLE, "volatility_interval", value=0),
            "markets.0.oracle.volatility_interval: Input should be greater than 0",
        ),
        (
            _set(*ETH_ORACLE, "quorum", value=0),
            "markets.0.oracle.quorum: Input should be greater than or equal",
        ),
        (
            _set(*ETH_ORACLE, "reporters", value=[ADDRESS]),
            "give either reporters (addresses) or test_reporters",
        ),
        (
            _set(*ETH_ORACLE, "test_reporters", value=33),
            "markets.0.oracle.test_reporters: Input should be less",
        ),
        (
            _set(*ETH_ORACLE, "max_staleness", value=0),
            "markets.0.oracle.max_staleness: Input should be greater",
        ),
        (
            _set(*ETH_ORACLE, "confirm_delay", value=2**32),
            "markets.0.oracle.confirm_delay: Input should be less",
        ),
        (
            _set(*ETH_ORACLE, "max_deviation", value=0),
            "markets.0.oracle.max_deviation: Input should be greater",
        ),
        (_set(*ETH_ORACLE, "min_price", value=2_000_000), "min_price 2000000 above max_price 1000000"),
        (
            _set(*ETH_ORACLE, "max_price", value="1e-19"),
            "markets.0.oracle.max_price: Decimal input should have no more than 18 decimal places",
        ),
        (
            lambda d: (
                d["markets"][0]["oracle"].pop("test_reporters"),
                d["markets"][0]["oracle"].update(reporters=[ADDRESS, ADDRESS, ADDRESS]),
            ),
            "markets.0.oracle: Value error, reporters lists an address twice",
        ),
        # risk
        (_set(*ETH_RISK, "base_mmr", value=0.0001), "markets.0.risk.base_mmr: Input should be greater than"),
        (
            _set(*ETH_RISK, "base_mmr", value=0.6),
            "markets.0.risk.base_mmr: Input should be less than or equal",
        ),
        (
            _set(*ETH_RISK, "max_mmr", value=0.04),
            "markets.0.risk: Value error, max_mmr 0.04 below base_mmr 0.05",
        ),
        (
            _set(*ETH_RISK, "max_mmr", value=1.5),
            "markets.0.risk.max_mmr: Input should be less than or equal to 1",
        ),
        (_set(*ETH_RISK, "vol_multiplier", value=11), "markets.0.risk.vol_multiplier: Input should be less"),
        (
            _set(*ETH_RISK, "horizon", value=60),
            "markets.0.risk.horizon: Input should be greater than or equal",
        ),
        (_set(*ETH_RISK, "im_factor", value=0.9), "markets.0.risk.im_factor: Input should be greater than"),
        (
            _set(*ETH_RISK, "liquidation_bonus", value=0.04),
            "markets.0.risk: Value error, liquidation_bonus + insurance_share (0.05) must be below base_mmr",
        ),
        (
            _set(*ETH_RISK, "max_trade_deviation", value=0.3),
            "markets.0.risk.max_trade_deviation: Input should",
        ),
        (_set(*ETH_RISK, "open_interest_cap", value=0), "markets.0.risk.open_interest_cap: Input should be"),
        (_set(*ETH_RISK, "dust_size", value=10_000), "dust_size 10000 must be below open_interest_cap 10000"),
        (_drop(*ETH_RISK, "im_factor"), "markets.0.risk.im_factor: Field required"),
        (_set("markets", 1, "risk", "insurance_share", value=-0.01), "markets.1.risk.insurance_share: Input"),
    ],
)
def test_invalid_parameters_are_named_in_one_line(tmp_path, mutate, expected):
    """Each problem names the file and the field, on a single line."""
    data = local_data()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_validation_without_a_file_names_the_source():
    data = local_data()
    data["fund"]["cooldown"] = 1
    with pytest.raises(ParamsError, match=r"^<params>: fund.cooldown: "):
        validate_params(data)


def test_malformed_json_is_reported_with_its_line(tmp_path):
    """A syntax error says where it is."""
    path = write(tmp_path, '{\n  "collateral": {,\n}')
    with pytest.raises(ParamsError, match=r"not valid JSON \(line 2"):
        load_params(path)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ParamsError, match=r"nope.json: no such file$"):
        load_params(tmp_path / "nope.json")


@pytest.mark.parametrize("script", ["walk", "deploy"])
def test_scripts_refuse_a_bad_parameter_file_before_starting_a_node(tmp_path, script):
    """The CLI exits non-zero and names the problem in one line; nothing is deployed."""
    data = local_data()
    data["markets"][1]["risk"]["max_trade_deviation"] = 0.5
    path = write(tmp_path, data)
    out = subprocess.run(
        ["ape", "run", script, "--params", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert str(path) in errors[0]
    assert "markets.1.risk.max_trade_deviation: Input should be less than or equal to 0.2" in errors[0]
    assert "Starting" not in out.stdout + out.stderr  # no Anvil was launched


def test_a_single_signer_guardian_loads_with_every_threshold_at_one():
    """With one signer nothing above 1 is reachable, so the floor of 2 for loss-shifting pauses gives way."""
    data = local_data()
    data["guardian"].update(
        anvil_signers=1,
        threshold=1,
        cancel_threshold=1,
        pause_threshold=1,
        shift_pause_threshold=1,
        breaker_threshold=1,
    )
    guardian = validate_params(data).guardian
    assert (guardian.shift_pause_threshold, guardian.breaker_threshold) == (1, 1)


def test_a_production_file_without_the_demo_fields_validates():
    """pause.demo_duration is read only by the walk: the testnet example leaves it out and loads."""
    assert "pause" not in json.loads(TESTNET.read_text())
    params = load_params(TESTNET)
    assert params.pause.demo_duration is None
    with pytest.raises(ParamsError, match=r"pause.demo_duration is required by the walk"):
        params.require_demo_fields(TESTNET)


def test_the_reference_price_is_read_but_never_hashed_into_simulations():
    """reference_price (lints only) stays out of model_dump, so the simulator's params hash ignores it."""
    data = json.loads(TESTNET.read_text(), parse_float=Decimal)
    params = validate_params(data)
    assert params.markets[0].reference_price == Decimal(2000)
    del data["markets"][0]["reference_price"]
    assert validate_params(data).model_dump() == params.model_dump()
    assert "reference_price" not in params.model_dump()["markets"][0]
