"""Deploy and wire the whole Bulwark suite from a parameter file (bulwark.params).

    suite = deploy_suite(project, deployer, params, local_accounts=accounts.test_accounts)

Every contract's admin is the PauseGuardian, fixed in its constructor, and the initial wiring is done in
constructors too, so nothing waits for the timelock: each MedianOracle gets its reporters, the
InsuranceFund lists the MarginEngine as its engine, and the engine gets its markets (oracle + risk
parameters). The fund must name the engine before the engine exists, so it is given the engine's CREATE
address predicted from the deployer's nonce; `deploy_suite` fails loudly if the engine lands elsewhere.

`plan_suite` turns parameters into the exact constructor arguments; the same plan is what
`bulwark.deployments.verify_suite` compares the chain with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from eth_account import Account
from web3.utils.address import get_create_address

from bulwark.model.engine import RiskParams
from bulwark.model.fund import Params as FundParams
from bulwark.model.oracle import OracleConfig
from bulwark.params import THRESHOLDS, SuiteParams, token_units, wad
from bulwark.signing.reports import feed_id, reporter_test_keys


class DeploymentError(RuntimeError):
    """The deployment cannot go on or went wrong; the message is one line."""


@dataclass(frozen=True)
class GuardianBounds:
    """PauseGuardian's immutable time bounds, in seconds."""

    min_delay: int
    max_delay: int
    grace_period: int
    max_pause: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.min_delay, self.max_delay, self.grace_period, self.max_pause)


def deploy_pause_guardian(project, deployer, signers, thresholds, delay, bounds: GuardianBounds):
    """Deploy a PauseGuardian: `thresholds` is (threshold, cancelThreshold, pauseThreshold,
    shiftPauseThreshold, breakerThreshold)."""
    return deployer.deploy(
        project.PauseGuardian, list(signers), list(thresholds), delay, list(bounds.as_tuple())
    )


@dataclass(frozen=True)
class MarketPlan:
    name: str
    feed_id: bytes
    config: OracleConfig
    reporters: list[str]  # sorted ascending, as the constructor requires
    risk: RiskParams
    reporter_keys: list[bytes] = field(default_factory=list, repr=False)  # only for test reporters


@dataclass(frozen=True)
class SuitePlan:
    """Every constructor argument of the suite, resolved from the parameters."""

    signers: list[str]
    thresholds: tuple[int, int, int, int, int]  # in constructor order, as bulwark.params.THRESHOLDS
    delay: int
    bounds: GuardianBounds
    decimals: int
    fund_name: str
    fund_symbol: str
    outflow_window: int
    fund_config: FundParams  # maxOutflow in token units, as the constructor takes it
    markets: list[MarketPlan]


def plan_suite(params: SuiteParams, decimals: int, local_accounts=None) -> SuitePlan:
    """Resolve `params` into constructor arguments. `decimals` is the collateral's (a mock's come from
    the file). `local_accounts` (Anvil test accounts) are needed when the file names `anvil_signers`."""
    g = params.guardian
    if g.anvil_signers is not None:
        if local_accounts is None or len(local_accounts) < 1 + g.anvil_signers:
            raise DeploymentError("guardian.anvil_signers needs the local test accounts")
        signers = [a.address for a in local_accounts[1 : 1 + g.anvil_signers]]
    else:
        signers = list(g.signers or [])
    f = params.fund
    return SuitePlan(
        signers=signers,
        thresholds=tuple(getattr(g, name) for name in THRESHOLDS),
        delay=g.delay,
        bounds=GuardianBounds(g.min_delay, g.max_delay, g.grace_period, g.max_pause_duration),
        decimals=decimals,
        fund_name=f.name,
        fund_symbol=f.symbol,
        outflow_window=f.outflow_window,
        fund_config=FundParams(
            f.cooldown, f.redeem_window, token_units(f.max_outflow, decimals, "fund.max_outflow")
        ),
        markets=[plan_market(m) for m in params.markets],
    )


def plan_market(m) -> MarketPlan:
    """One market of a parameter file as constructor arguments (test reporters' keys included)."""
    o, r = m.oracle, m.risk
    keys = reporter_test_keys(o.test_reporters) if o.test_reporters else []
    reporters = [Account.from_key(k).address for k in keys] if keys else list(o.reporters or [])
    config = OracleConfig(
        quorum=o.quorum,
        faultTolerance=o.fault_tolerance,
        maxReportAge=o.max_report_age,
        maxFutureSkew=o.max_future_skew,
        maxStaleness=o.max_staleness,
        confirmDelay=o.confirm_delay,
        volatilityTau=o.volatility_tau,
        volatilityInterval=o.volatility_interval,
        maxDeviation=wad(o.max_deviation),
        minPrice=wad(o.min_price),
        maxPrice=wad(o.max_price),
    )
    risk = RiskParams(
        baseMmr=wad(r.base_mmr),
        maxMmr=wad(r.max_mmr),
        volMultiplier=wad(r.vol_multiplier),
        horizon=r.horizon,
        imFactor=wad(r.im_factor),
        liquidationBonus=wad(r.liquidation_bonus),
        insuranceShare=wad(r.insurance_share),
        maxTradeDeviation=wad(r.max_trade_deviation),
        openInterestCap=wad(r.open_interest_cap),
        dustSize=wad(r.dust_size),
    )
    return MarketPlan(
        name=m.name,
        feed_id=feed_id(m.name),
        config=config,
        reporters=sorted(reporters, key=lambda a: int(a, 16)),
        risk=risk,
        reporter_keys=keys,
    )


@dataclass
class Suite:
    guardian: Any  # PauseGuardian: the admin of everything below
    signers: list  # the guardian's signer accounts when they are local (Anvil) accounts, else []
    collateral: Any  # ERC20
    fund: Any  # InsuranceFund, with the engine registered
    engine: Any  # MarginEngine
    oracles: list  # MedianOracle per market, in market order
    plan: SuitePlan
    deployer: str
    first_block: int  # block of the first deployment transaction
    last_block: int  # block of the last one

    def addresses(self) -> SuiteAddresses:
        return SuiteAddresses(
            guardian=self.guardian.address,
            collateral=self.collateral.address,
            fund=self.fund.address,
            engine=self.engine.address,
            oracles={m.name: o.address for m, o in zip(self.plan.markets, self.oracles, strict=True)},
        )


@dataclass(frozen=True)
class SuiteAddresses:
    guardian: str
    collateral: str
    fund: str
    engine: str
    oracles: dict[str, str]  # market name -> oracle, in market order

    def as_dict(self) -> dict:
        return {
            "PauseGuardian": self.guardian,
            "collateral": self.collateral,
            "InsuranceFund": self.fund,
            "MarginEngine": self.engine,
            "MedianOracle": dict(self.oracles),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SuiteAddresses:
        return cls(
            guardian=data["PauseGuardian"],
            collateral=data["collateral"],
            fund=data["InsuranceFund"],
            engine=data["MarginEngine"],
            oracles=dict(data["MedianOracle"]),
        )


def predicted_address(deployer: str, nonce: int) -> str:
    """The CREATE address of `deployer`'s transaction with `nonce`."""
    return get_create_address(deployer, nonce)


class _Deployer(NamedTuple):
    """How one backend deploys: `deploy(name, *args)` returns the contract (arguments are addresses and
    plain values), `block()` is the block of the last deployment, `nonce` the deployer's next nonce."""

    address: str
    deploy: Any
    block: Any
    nonce: int


def _deploy_planned(plan: SuitePlan, params: SuiteParams, d: _Deployer, collateral, signers: list) -> Suite:
    """The suite's deployments, in the one order both paths use: guardian, collateral (a mock, unless
    given), oracles, fund, engine. The fund registers the engine's CREATE address predicted from the
    deployer's nonce, so nothing else may send from the deployer meanwhile."""
    guardian = d.deploy(
        "PauseGuardian", plan.signers, list(plan.thresholds), plan.delay, list(plan.bounds.as_tuple())
    )
    first_block = d.block()
    nonce = d.nonce + 1
    c = params.collateral
    if collateral is None:
        collateral = d.deploy("MockERC20", c.name, c.symbol, c.decimals)
        nonce += 1
    oracles = [
        d.deploy("MedianOracle", guardian.address, m.feed_id, m.name, tuple(m.config), list(m.reporters))
        for m in plan.markets
    ]
    nonce += len(oracles)
    expected_engine = predicted_address(d.address, nonce + 1)
    fund = d.deploy(
        "InsuranceFund",
        guardian.address,
        collateral.address,
        plan.fund_name,
        plan.fund_symbol,
        plan.outflow_window,
        tuple(plan.fund_config),
        [expected_engine],
    )
    engine = d.deploy(
        "MarginEngine",
        guardian.address,
        fund.address,
        [o.address for o in oracles],
        [m.risk.as_tuple() for m in plan.markets],
    )
    if engine.address != expected_engine:
        raise DeploymentError(
            f"MarginEngine landed at {engine.address}, not at the predicted {expected_engine} the fund "
            f"{fund.address} registered (did {d.address} send another transaction after nonce "
            f"{nonce}?): redeploy the fund and the engine"
        )
    return Suite(
        guardian=guardian,
        signers=signers,
        collateral=collateral,
        fund=fund,
        engine=engine,
        oracles=oracles,
        plan=plan,
        deployer=d.address,
        first_block=first_block,
        last_block=d.block(),
    )


def deploy_suite(project, deployer, params: SuiteParams, local_accounts=None) -> Suite:
    """Deploy every contract the parameters describe, wired, with the PauseGuardian as their admin.

    `local_accounts` (Anvil test accounts) are needed when the parameters name `anvil_signers`.
    Nothing else may send transactions from `deployer` meanwhile (the engine's address is predicted)."""
    c = params.collateral
    if not c.deploy_mock and len(deployer.provider.get_code(c.address)) == 0:
        raise DeploymentError(f"collateral.address {c.address} has no code on this chain")
    decimals = c.decimals if c.deploy_mock else project.MockERC20.at(c.address).decimals()
    plan = plan_suite(params, decimals, local_accounts)
    last = []

    def deploy(name, *args):
        last.append(deployer.deploy(getattr(project, name), *args))
        return last[-1]

    ape_deployer = _Deployer(
        deployer.address, deploy, lambda: last[-1].creation_metadata.block, deployer.nonce
    )
    collateral = None if c.deploy_mock else project.MockERC20.at(c.address)  # any ERC20 ABI serves
    anvil = params.guardian.anvil_signers
    signers = list(local_accounts[1 : 1 + anvil]) if anvil else []
    return _deploy_planned(plan, params, ape_deployer, collateral, signers)


class _LocalAccount(NamedTuple):
    address: str


def deploy_suite_on(chain, params: SuiteParams, deployer: str | None = None) -> Suite:
    """`deploy_suite` on the chain lane (bulwark.chain, either backend): the same plan and order, so
    addresses are the same as Ape's deployment from the same deployer. Local parameter files only."""
    if not params.collateral.deploy_mock:
        raise DeploymentError("the lane deploys local suites only: collateral.deploy_mock must be true")
    deployer = deployer or chain.accounts[0]
    plan = plan_suite(params, params.collateral.decimals, [_LocalAccount(a) for a in chain.accounts])

    def deploy(name, *args):
        return chain.deploy(name, *args, sender=deployer)

    lane_deployer = _Deployer(deployer, deploy, lambda: chain.block_number, chain.nonce(deployer))
    return _deploy_planned(plan, params, lane_deployer, None, list(plan.signers))
