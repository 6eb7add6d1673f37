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

from bulwark.chain.base import ZERO_ADDRESS
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


def deploy_pause_guardian(project, deployer, signers, thresholds, delay, bounds: GuardianBounds, pausers=()):
    """Deploy a PauseGuardian: `thresholds` is (threshold, cancelThreshold, pauseThreshold,
    shiftPauseThreshold, breakerThreshold); `pausers` the pause-only keys (GRD-06)."""
    return deployer.deploy(
        project.PauseGuardian, list(signers), list(thresholds), delay, list(bounds.as_tuple()), list(pausers)
    )


SHARED_FUND = "InsuranceFund"  # the shared fund's step (and name in the monitor and the tables)


def fund_step(market: str | None = None) -> str:
    """The deployment step of the shared InsuranceFund, or of isolated `market`'s own; the monitor and
    the deployment table name the funds by it too."""
    return SHARED_FUND if market is None else f"{SHARED_FUND} {market}"


@dataclass(frozen=True)
class FundPlan:
    """An isolated market's own InsuranceFund, as constructor arguments (maxOutflow in token units)."""

    name: str
    symbol: str
    outflow_window: int
    config: FundParams


@dataclass(frozen=True)
class MarketPlan:
    name: str
    feed_id: bytes
    config: OracleConfig
    reporters: list[str]  # sorted ascending, as the constructor requires
    risk: RiskParams
    reporter_keys: list[bytes] = field(default_factory=list, repr=False)  # only for test reporters
    isolated_fund: FundPlan | None = None  # an isolated market's own fund; None for a shared market


@dataclass(frozen=True)
class SuitePlan:
    """Every constructor argument of the suite, resolved from the parameters."""

    signers: list[str]
    thresholds: tuple[int, int, int, int, int]  # in constructor order, as bulwark.params.THRESHOLDS
    delay: int
    bounds: GuardianBounds
    pausers: list[str]  # pause-only keys (GRD-06)
    decimals: int
    fund_name: str
    fund_symbol: str
    outflow_window: int
    fund_config: FundParams  # maxOutflow in token units, as the constructor takes it
    markets: list[MarketPlan]

    @property
    def shared_fund(self) -> FundPlan:
        """The shared InsuranceFund's constructor arguments, as an isolated market's own fund has them."""
        return FundPlan(self.fund_name, self.fund_symbol, self.outflow_window, self.fund_config)


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
    if set(signers) & set(g.pausers):
        raise DeploymentError("guardian.pausers names a signer: a pause-only key must not be a signer")
    shared = plan_fund(params.fund, decimals, "fund")
    return SuitePlan(
        signers=signers,
        thresholds=tuple(getattr(g, name) for name in THRESHOLDS),
        delay=g.delay,
        bounds=GuardianBounds(g.min_delay, g.max_delay, g.grace_period, g.max_pause_duration),
        pausers=list(g.pausers),
        decimals=decimals,
        fund_name=shared.name,
        fund_symbol=shared.symbol,
        outflow_window=shared.outflow_window,
        fund_config=shared.config,
        markets=[plan_market(m, decimals, f"markets.{i}") for i, m in enumerate(params.markets)],
    )


def plan_fund(f, decimals: int, where: str) -> FundPlan:
    """A fund section of a parameter file as constructor arguments."""
    outflow = token_units(f.max_outflow, decimals, f"{where}.max_outflow")
    return FundPlan(f.name, f.symbol, f.outflow_window, FundParams(f.cooldown, f.redeem_window, outflow))


def plan_market(m, decimals: int = 18, where: str = "market") -> MarketPlan:
    """One market of a parameter file as constructor arguments (test reporters' keys included;
    `decimals`, the collateral's, sizes an isolated market's fund cap)."""
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
        isolated_fund=None
        if m.isolated_fund is None
        else plan_fund(m.isolated_fund, decimals, f"{where}.isolated_fund"),
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
    deployed: list = field(default_factory=list)  # Deployed, one per transaction, in order
    abandoned: list = field(default_factory=list)  # Existing: recorded by a partial run, not reused
    market_funds: dict = field(default_factory=dict)  # isolated market name -> its own InsuranceFund

    def addresses(self) -> SuiteAddresses:
        return SuiteAddresses(
            guardian=self.guardian.address,
            collateral=self.collateral.address,
            fund=self.fund.address,
            engine=self.engine.address,
            oracles={m.name: o.address for m, o in zip(self.plan.markets, self.oracles, strict=True)},
            market_funds={name: f.address for name, f in self.market_funds.items()},
        )


@dataclass(frozen=True)
class SuiteAddresses:
    guardian: str
    collateral: str
    fund: str
    engine: str
    oracles: dict[str, str]  # market name -> oracle, in market order
    market_funds: dict[str, str] = field(default_factory=dict)  # isolated market name -> its own fund

    def as_dict(self) -> dict:
        data = {
            "PauseGuardian": self.guardian,
            "collateral": self.collateral,
            "InsuranceFund": self.fund,
            "MarginEngine": self.engine,
            "MedianOracle": dict(self.oracles),
        }
        if self.market_funds:
            data["IsolatedFunds"] = dict(self.market_funds)
        return data

    def funds(self) -> dict[str, str]:
        """Every InsuranceFund by its step name (`fund_step`): the shared one, then isolated markets'."""
        return {fund_step(): self.fund} | {fund_step(m): f for m, f in self.market_funds.items()}

    @classmethod
    def from_dict(cls, data: dict) -> SuiteAddresses:
        return cls(
            guardian=data["PauseGuardian"],
            collateral=data["collateral"],
            fund=data["InsuranceFund"],
            engine=data["MarginEngine"],
            oracles=dict(data["MedianOracle"]),
            market_funds=dict(data.get("IsolatedFunds", {})),
        )


def predicted_address(deployer: str, nonce: int) -> str:
    """The CREATE address of `deployer`'s transaction with `nonce`."""
    return get_create_address(deployer, nonce)


@dataclass(frozen=True)
class Deployed:
    """One deployment transaction of the suite (or a contract reused from an earlier, partial run)."""

    step: str  # "PauseGuardian", "collateral", "MedianOracle ETH/USD", "InsuranceFund", "MarginEngine"
    contract: str  # the contract type
    address: str
    args: tuple  # the constructor arguments as sent
    transaction_hash: str | None = None  # None on the chain lane, which keeps no receipts
    block_number: int | None = None
    gas_used: int | None = None
    gas_price: int | None = None  # [wei] the effective price paid per gas
    reused: bool = False  # taken from a partial record instead of deployed now


@dataclass(frozen=True)
class Existing:
    """A contract a partial record says was deployed: reused on resume when its code is there and its
    ABI-encoded constructor arguments are the ones the plan would send now."""

    step: str
    contract: str
    address: str
    encoded_args: str  # 0x-hex
    transaction_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    gas_price: int | None = None


class PartialDeployment(DeploymentError):
    """A deployment stopped partway: `deployed` lists what exists (in order), `step` what failed."""

    def __init__(self, message: str, deployed: list[Deployed], step: str):
        super().__init__(message)
        self.deployed, self.step = list(deployed), step


class _Deployer(NamedTuple):
    """How one backend deploys: `deploy(name, *args)` returns (contract, receipt or None) (arguments are
    addresses and plain values), `at(name, address)` a contract instance, `block()` the latest block,
    `nonce()` the deployer's next nonce, `has_code(address)`, and `encode(name, args)` the ABI-encoded
    constructor arguments (0x-hex; None where no ABI is at hand)."""

    address: str
    deploy: Any
    at: Any
    block: Any
    nonce: Any
    has_code: Any
    encode: Any


class _Steps:
    """Runs the suite's deployments one step at a time: reuses what a partial record names (when it
    still fits the plan), deploys the rest, reports progress after each step and turns any failure
    into a PartialDeployment listing what exists."""

    def __init__(self, d: _Deployer, existing: dict[str, Existing] | None, progress):
        self.d, self.existing, self.progress = d, dict(existing or {}), progress
        self.deployed: list[Deployed] = []
        self.abandoned: list[Existing] = []  # recorded contracts that no longer fit the plan

    def reusable(self, step: str, name: str, args: tuple) -> Existing | None:
        prior = self.existing.get(step)
        if prior is None:
            return None
        encoded = self.d.encode(name, args)
        if prior.contract != name or encoded is None or encoded != prior.encoded_args:
            return None
        if not self.d.has_code(prior.address):
            return None
        return prior

    def run(self, step: str, name: str, *args):
        """The contract of `step`: the recorded one if it fits, else deployed now."""
        if (prior := self.reusable(step, name, args)) is not None:
            self.existing.pop(step)
            contract = self.d.at(name, prior.address)
            self._add(
                Deployed(
                    step,
                    name,
                    prior.address,
                    args,
                    prior.transaction_hash,
                    prior.block_number,
                    prior.gas_used,
                    prior.gas_price,
                    reused=True,
                )
            )
            return contract
        if (stale := self.existing.pop(step, None)) is not None:
            self.abandoned.append(stale)
        try:
            contract, receipt = self.d.deploy(name, *args)
        except DeploymentError:
            raise
        except Exception as err:  # a node, funds, gas or revert error: one line, with what exists
            detail = " ".join(str(err).split())[:300] or type(err).__name__
            raise PartialDeployment(
                f"{step} failed ({type(err).__name__}: {detail})", self.deployed, step
            ) from err
        self._add(
            Deployed(
                step,
                name,
                contract.address,
                args,
                transaction_hash=getattr(receipt, "txn_hash", None),
                block_number=getattr(receipt, "block_number", None),
                gas_used=getattr(receipt, "gas_used", None),
                gas_price=getattr(receipt, "gas_price", None),
            )
        )
        return contract

    def _add(self, deployed: Deployed) -> None:
        self.deployed.append(deployed)
        if self.progress is not None:
            self.progress(list(self.deployed))


def _deploy_planned(
    plan: SuitePlan,
    params: SuiteParams,
    d: _Deployer,
    collateral,
    signers: list,
    existing: dict[str, Existing] | None = None,
    progress=None,
) -> Suite:
    """The suite's deployments, in the one order both paths use: guardian, collateral (a mock, unless
    given), oracles, fund, engine. The fund registers the engine's CREATE address predicted from the
    deployer's nonce, so nothing else may send from the deployer meanwhile.

    `existing` (from a partial record) names contracts deployed by an earlier run: each is reused if
    its code is there and its constructor arguments are the plan's; the fund is reused only while the
    engine can still land at the address it registered (the deployer's next nonce). `progress` is
    called with the list of contracts after each step."""
    steps = _Steps(d, existing, progress)
    guardian = steps.run(
        "PauseGuardian",
        "PauseGuardian",
        plan.signers,
        list(plan.thresholds),
        plan.delay,
        list(plan.bounds.as_tuple()),
        list(plan.pausers),
    )
    c = params.collateral
    if collateral is None:
        collateral = steps.run("collateral", "MockERC20", c.name, c.symbol, c.decimals)
    oracles = [
        steps.run(
            f"MedianOracle {m.name}",
            "MedianOracle",
            guardian.address,
            m.feed_id,
            m.name,
            tuple(m.config),
            list(m.reporters),
        )
        for m in plan.markets
    ]

    # the shared fund, then each isolated market's own, each listing the engine sent right after them
    funds = [(fund_step(), plan.shared_fund)] + [
        (fund_step(m.name), m.isolated_fund) for m in plan.markets if m.isolated_fund is not None
    ]

    def fund_args(f: FundPlan, engine: str) -> tuple:
        return (
            guardian.address,
            collateral.address,
            f.name,
            f.symbol,
            f.outflow_window,
            tuple(f.config),
            [engine],
        )

    # A recorded fund fits only if the engine lands where it expects: after the funds deployed now. With
    # k of them to deploy, the engine is at nonce + k; the first k for which exactly k do not fit holds.
    nonce = d.nonce()
    for k in range(len(funds) + 1):
        expected_engine = predicted_address(d.address, nonce + k)
        misfits = [
            s for s, f in funds if not steps.reusable(s, "InsuranceFund", fund_args(f, expected_engine))
        ]
        if len(misfits) == k:
            break
    deployed_funds = {
        step: steps.run(step, "InsuranceFund", *fund_args(f, expected_engine)) for step, f in funds
    }
    fund = deployed_funds[fund_step()]
    market_funds = {
        m.name: deployed_funds[fund_step(m.name)] for m in plan.markets if m.isolated_fund is not None
    }
    engine = steps.run(
        "MarginEngine",
        "MarginEngine",
        guardian.address,
        fund.address,
        [o.address for o in oracles],
        [m.risk.as_tuple() for m in plan.markets],
        [market_funds[m.name].address if m.name in market_funds else ZERO_ADDRESS for m in plan.markets],
    )
    if engine.address != expected_engine:
        raise DeploymentError(
            f"MarginEngine landed at {engine.address}, not at the predicted {expected_engine} the fund "
            f"{fund.address} registered (did {d.address} send another transaction meanwhile?): "
            "redeploy the fund and the engine"
        )
    deployed = steps.deployed
    blocks = [x.block_number for x in deployed if x.block_number is not None]
    return Suite(
        guardian=guardian,
        signers=signers,
        collateral=collateral,
        fund=fund,
        engine=engine,
        oracles=oracles,
        plan=plan,
        deployer=d.address,
        first_block=min(blocks) if blocks else d.block(),
        last_block=max(blocks) if blocks else d.block(),
        deployed=deployed,
        abandoned=steps.abandoned,
        market_funds=market_funds,
    )


def encode_constructor_args(contract_type, args) -> str:
    """The ABI encoding of `args` for `contract_type`'s constructor, as 0x-hex (what follows the
    creation code in the deployment transaction)."""
    from eth_abi import encode

    constructor = contract_type.constructor
    types = [i.canonical_type for i in constructor.inputs] if constructor else []
    return "0x" + encode(types, [_abi_value(a) for a in args]).hex()


def _abi_value(value):
    if isinstance(value, tuple | list):
        return (
            tuple(_abi_value(v) for v in value)
            if isinstance(value, tuple)
            else [_abi_value(v) for v in value]
        )
    return value


def deploy_suite(
    project,
    deployer,
    params: SuiteParams,
    local_accounts=None,
    *,
    existing: dict[str, Existing] | None = None,
    progress=None,
) -> Suite:
    """Deploy every contract the parameters describe, wired, with the PauseGuardian as their admin.

    `local_accounts` (Anvil test accounts) are needed when the parameters name `anvil_signers`.
    Nothing else may send transactions from `deployer` meanwhile (the engine's address is predicted).
    `existing` and `progress`: see `_deploy_planned` (resuming a partial deployment). A failing step
    raises PartialDeployment with what exists."""
    provider = deployer.provider
    c = params.collateral
    if not c.deploy_mock and len(provider.get_code(c.address)) == 0:
        raise DeploymentError(f"collateral.address {c.address} has no code on this chain")
    decimals = c.decimals if c.deploy_mock else project.MockERC20.at(c.address).decimals()
    plan = plan_suite(params, decimals, local_accounts)

    def deploy(name, *args):
        contract = deployer.deploy(getattr(project, name), *args)
        return contract, provider.get_receipt(contract.txn_hash)

    ape_deployer = _Deployer(
        address=deployer.address,
        deploy=deploy,
        at=lambda name, address: getattr(project, name).at(address),
        block=lambda: provider.get_block("latest").number,
        nonce=lambda: provider.get_nonce(deployer.address),
        has_code=lambda address: len(provider.get_code(address)) > 0,
        encode=lambda name, args: encode_constructor_args(getattr(project, name).contract_type, args),
    )
    collateral = None if c.deploy_mock else project.MockERC20.at(c.address)  # any ERC20 ABI serves
    anvil = params.guardian.anvil_signers
    signers = list(local_accounts[1 : 1 + anvil]) if anvil else []
    return _deploy_planned(plan, params, ape_deployer, collateral, signers, existing, progress)


class _LocalAccount(NamedTuple):
    address: str


PAUSER_FUNDS = 10**18  # [wei] what the lane gives an unfunded local pauser


class _LaneReceipt(NamedTuple):
    block_number: int


def deploy_suite_on(chain, params: SuiteParams, deployer: str | None = None) -> Suite:
    """`deploy_suite` on the chain lane (bulwark.chain, either backend): the same plan and order, so
    addresses are the same as Ape's deployment from the same deployer. Local parameter files only."""
    if not params.collateral.deploy_mock:
        raise DeploymentError("the lane deploys local suites only: collateral.deploy_mock must be true")
    deployer = deployer or chain.accounts[0]
    plan = plan_suite(params, params.collateral.decimals, [_LocalAccount(a) for a in chain.accounts])

    def deploy(name, *args):
        contract = chain.deploy(name, *args, sender=deployer)
        return contract, _LaneReceipt(chain.block_number)

    lane_deployer = _Deployer(
        address=deployer,
        deploy=deploy,
        at=None,  # nothing is reused on the lane
        block=lambda: chain.block_number,
        nonce=lambda: chain.nonce(deployer),
        has_code=None,
        encode=lambda name, args: None,
    )
    suite = _deploy_planned(plan, params, lane_deployer, None, list(plan.signers))
    for pauser in plan.pausers:  # a local pause-only key (a monitor's) pays for its pauses
        if chain.balance(pauser) == 0:
            chain.send(deployer, pauser, b"", value=PAUSER_FUNDS)
    return suite
