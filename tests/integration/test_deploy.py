"""deploy_suite builds the whole suite on Anvil; verify_suite reads it back and names every wrong wire;
`ape run deploy` records and verifies a deployment end to end."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from decimal import Decimal

import pytest

import bulwark.deploy
from bulwark import PROJECT_ROOT
from bulwark.deploy import (
    DeploymentError,
    Existing,
    PartialDeployment,
    SuiteAddresses,
    deploy_suite,
    encode_constructor_args,
    plan_suite,
)
from bulwark.deployments import deployment_record, read_record, verify_suite, write_record
from bulwark.params import load_params, read_params
from tests.helpers import changed

LOCAL = PROJECT_ROOT / "params" / "local.json"
PARAMS = load_params(LOCAL)


@pytest.fixture(scope="module")
def suite(project, accounts):
    return deploy_suite(project, accounts[0], PARAMS, local_accounts=accounts)


def test_the_deployed_suite_verifies(project, suite):
    """Every wire read back from the chain matches the plan."""
    verification = verify_suite(project, suite.addresses(), suite.plan)
    assert verification.mismatches == []
    assert verification.ok
    # guardian 12, collateral 1, fund 9, engine 5, 28 a market (3), the isolated market's own fund 9
    assert len(verification.checks) == 120


def test_the_guardian_is_the_admin_of_everything_and_the_fund_knows_the_engine(suite):
    contracts = [suite.fund, suite.engine, *suite.oracles]
    assert {c.GUARDIAN() for c in contracts} == {suite.guardian.address}
    assert suite.fund.isEngine(suite.engine)
    assert suite.engine.FUND() == suite.fund.address
    assert suite.engine.COLLATERAL() == suite.fund.asset() == suite.collateral.address
    markets = range(len(suite.oracles))
    assert [suite.engine.market(i).oracle for i in markets] == [o.address for o in suite.oracles]
    # THIN/USD is isolated: its own fund covers it and knows the engine; the others are the shared fund's
    [own] = suite.market_funds.values()
    assert [suite.engine.market(i).fund for i in markets] == [
        suite.fund.address,
        suite.fund.address,
        own.address,
    ]
    assert [suite.engine.isIsolated(i) for i in markets] == [False, False, True]
    assert own.isEngine(suite.engine) and own.GUARDIAN() == suite.guardian.address
    assert own.asset() == suite.collateral.address and own.symbol() != suite.fund.symbol()
    assert [s.address for s in suite.signers] == suite.plan.signers


def test_a_different_risk_parameter_is_reported_as_a_mismatch(project, suite, accounts):
    """Verifying against parameters the chain does not have names the field, with both values."""
    other = plan_suite(changed(PARAMS, **{"markets.0.risk.base_mmr": Decimal("0.06")}), 6, accounts)
    verification = verify_suite(project, suite.addresses(), other)
    assert not verification.ok
    [mismatch] = verification.mismatches
    assert (mismatch.wire, mismatch.expected, mismatch.actual) == (
        "markets.0.risk.base_mmr",
        6 * 10**16,
        5 * 10**16,
    )


def test_the_fast_path_thresholds_for_losses_are_wires_too(project, suite, accounts):
    """shiftPauseThreshold and breakerThreshold are read back and compared like the other thresholds."""
    names = [c.wire for c in verify_suite(project, suite.addresses(), suite.plan).checks]
    assert "guardian.shift_pause_threshold" in names and "guardian.breaker_threshold" in names
    other = changed(PARAMS, **{"guardian.breaker_threshold": 3})
    [mismatch] = verify_suite(project, suite.addresses(), plan_suite(other, 6, accounts)).mismatches
    assert (mismatch.wire, mismatch.expected, mismatch.actual) == ("guardian.breaker_threshold", 3, 2)


def test_every_mismatch_is_reported_not_just_the_first(project, suite, accounts):
    other = changed(
        PARAMS,
        **{
            "guardian.threshold": 2,
            "fund.max_outflow": Decimal("1"),
            "markets.1.oracle.fault_tolerance": 1,
            "markets.1.name": "SOL/USD",
        },
    )
    plan = plan_suite(other, 6, accounts)
    plan = replace(
        plan,
        markets=[
            plan.markets[0],
            replace(plan.markets[1], reporters=plan.markets[1].reporters[:4]),
            *plan.markets[2:],
        ],
    )
    wires = [c.wire for c in verify_suite(project, suite.addresses(), plan).mismatches]
    assert wires == [
        "guardian.threshold",
        "fund.max_outflow",
        "markets.1.name (FEED_ID)",
        "markets.1.name (description)",
        "markets.1.oracle.reporters",
        "markets.1.oracle.fault_tolerance",
    ]


def test_contracts_at_the_wrong_addresses_are_mismatches_not_crashes(project, suite, accounts):
    """A record that points the engine at the fund, and an oracle at an empty address."""
    good = suite.addresses()
    bad = replace(
        good, engine=good.fund, oracles={"ETH/USD": good.oracles["ETH/USD"], "BTC/USD": accounts[9].address}
    )
    verification = verify_suite(project, bad, suite.plan)
    wires = {c.wire for c in verification.mismatches}
    assert "fund.isEngine(MarginEngine)" in wires
    assert "engine.FUND" in wires  # the fund has no FUND(): the read fails and says so
    assert "markets.1.oracle has code" in wires
    failed = next(c for c in verification.mismatches if c.wire == "engine.FUND")
    assert str(failed.actual).startswith("read failed: ")


def test_the_engine_must_land_at_the_address_the_fund_registered(project, accounts, monkeypatch):
    """If anything moves the deployer's nonce between the prediction and the engine, deploy fails loudly."""
    real = bulwark.deploy.predicted_address
    monkeypatch.setattr(bulwark.deploy, "predicted_address", lambda who, nonce: real(who, nonce + 1))
    with pytest.raises(DeploymentError, match=r"MarginEngine landed at 0x\w+, not at the predicted 0x\w+"):
        deploy_suite(project, accounts[0], PARAMS, local_accounts=accounts)


class _EngineFails:
    """A deployer whose MarginEngine transaction fails (as when it does not fit in a block)."""

    def __init__(self, account):
        self.account, self.address, self.provider = account, account.address, account.provider

    def deploy(self, container, *args):
        if container.contract_type.name == "MarginEngine":
            raise RuntimeError("out of gas")
        return self.account.deploy(container, *args)


def _stopped_at_the_engine(project, deployer, accounts) -> dict[str, Existing]:
    """Deploy local.json (a shared fund and THIN/USD's own) until the engine fails: what exists, as
    `bulwark deploy --resume` reads it from the partial record."""
    with pytest.raises(PartialDeployment, match="MarginEngine failed") as stopped:
        deploy_suite(project, _EngineFails(deployer), PARAMS, local_accounts=accounts)
    return {
        d.step: Existing(
            d.step,
            d.contract,
            d.address,
            encode_constructor_args(getattr(project, d.contract).contract_type, d.args),
        )
        for d in stopped.value.deployed
    }


def test_a_resume_reuses_every_fund_while_the_engine_still_lands_where_they_expect(project, accounts):
    """Both funds registered the engine at the nonce after them; with nothing sent meanwhile, the resume
    sends only the engine, and every fund knows it."""
    deployer = accounts[8]
    existing = _stopped_at_the_engine(project, deployer, accounts)
    assert {"InsuranceFund", "InsuranceFund THIN/USD"} <= set(existing)
    nonce = deployer.nonce
    resumed = deploy_suite(project, deployer, PARAMS, local_accounts=accounts, existing=existing)
    assert deployer.nonce == nonce + 1, "only the engine was sent"
    assert [d.step for d in resumed.deployed if not d.reused] == ["MarginEngine"]
    assert resumed.fund.address == existing["InsuranceFund"].address
    assert resumed.market_funds["THIN/USD"].address == existing["InsuranceFund THIN/USD"].address
    assert resumed.abandoned == []
    assert verify_suite(project, resumed.addresses(), resumed.plan).ok


def test_a_resume_after_the_nonce_moved_redeploys_every_fund_and_names_the_abandoned_ones(project, accounts):
    deployer = accounts[9]
    existing = _stopped_at_the_engine(project, deployer, accounts)
    deployer.transfer(accounts[0], 1)  # the key sent another transaction: the engine cannot land there
    resumed = deploy_suite(project, deployer, PARAMS, local_accounts=accounts, existing=existing)
    fresh = [d.step for d in resumed.deployed if not d.reused]
    assert fresh == ["InsuranceFund", "InsuranceFund THIN/USD", "MarginEngine"]
    assert [a.step for a in resumed.abandoned] == ["InsuranceFund", "InsuranceFund THIN/USD"]
    assert resumed.market_funds["THIN/USD"].address != existing["InsuranceFund THIN/USD"].address
    assert verify_suite(project, resumed.addresses(), resumed.plan).ok


def test_an_existing_collateral_without_code_is_refused(project, accounts):
    params = changed(PARAMS, **{"collateral.deploy_mock": False, "collateral.address": accounts[9].address})
    with pytest.raises(DeploymentError, match=r"^collateral.address 0x\w+ has no code on this chain$"):
        deploy_suite(project, accounts[0], params, local_accounts=accounts)


def test_an_existing_collateral_is_used_with_its_own_decimals(project, accounts):
    token = accounts[0].deploy(project.MockERC20, "USD Coin", "USDC", 18)
    params = changed(PARAMS, **{"collateral.deploy_mock": False, "collateral.address": token.address})
    suite = deploy_suite(project, accounts[0], params, local_accounts=accounts)
    assert suite.collateral.address == token.address
    assert suite.fund.params().maxOutflow == 50_000 * 10**18
    assert suite.engine.SCALE() == 1
    assert verify_suite(project, suite.addresses(), suite.plan).ok


def test_the_record_round_trips(tmp_path, project, suite, chain):
    _, raw = read_params(LOCAL)
    verification = verify_suite(project, suite.addresses(), suite.plan)
    record = deployment_record(
        suite.addresses(),
        chain_id=chain.chain_id,
        network="ethereum:local:foundry",
        deployer=suite.deployer,
        first_block=suite.first_block,
        last_block=suite.last_block,
        params_path=LOCAL,
        params_bytes=raw,
        verification=verification,
    )
    path = write_record(tmp_path, record)
    assert path == tmp_path / f"{chain.chain_id}.json"
    loaded, addresses = read_record(path)
    assert addresses == suite.addresses()
    assert loaded["params_file"] == "params/local.json"
    assert loaded["verification"] == {"ok": True, "checks": 120, "mismatches": []}
    assert loaded["first_block"] < loaded["block_number"]
    assert isinstance(addresses, SuiteAddresses)


def test_ape_run_deploy_writes_a_verified_record(tmp_path):
    """The script end to end on its own Anvil: exit 0, a record with every address and a passed check."""
    out = subprocess.run(
        ["ape", "run", "deploy", "--out", str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    record = json.loads((tmp_path / "31337.json").read_text())
    assert record["verification"] == {"ok": True, "checks": 120, "mismatches": []}
    assert set(record["contracts"]) == {
        "IsolatedFunds",
        "PauseGuardian",
        "collateral",
        "InsuranceFund",
        "MarginEngine",
        "MedianOracle",
    }
    assert list(record["contracts"]["MedianOracle"]) == ["ETH/USD", "BTC/USD", "THIN/USD"]
    assert list(record["contracts"]["IsolatedFunds"]) == ["THIN/USD"]
    assert record["params"] == json.loads(LOCAL.read_text())
    assert "verified: 120 wires match" in out.stdout
