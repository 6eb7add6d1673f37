"""The system machine's world: who the actors are, what each is funded with, and the deployment every
example starts from (the suite from a parameter file, every actor funded, each market priced once).

Actors (dev accounts; 1-5 are the guardian's signers in params/local.json):

    account  role
    0        deployer; keeper (relays executions, sweeps fees, covers losses); liquidator with 3,000 tokens
    1        signer; a bystander with 1,000 tokens in the engine who never trades (SYS-03)
    2, 3     signers
    4, 5     signers; stakers in the fund (20,000 tokens each)
    6        operator: relays fills, pokes and approvals
    7, 8     traders (20,000 tokens in the engine, 1,000,000 in the wallet)
    9        trader and liquidator with limited capital (5,000 tokens)
    10, 11   one attacker's two accounts (20,000 tokens each in the engine): wash trades between them,
             approvals and reports signed with its own keys, replayed reports and approvals, liquidating
             healthy accounts, withdrawing past IM, executing operations early, admin calls

Subaccounts (DESKS): 7 and 8 each keep a second subaccount (id 1, 5,000 tokens), in any market, an
isolated one included; the keeper keeps a desk (id 5, 3,000 tokens) for taking over isolated-market
positions (an isolated market is held by a subaccount that holds nothing else). An isolated market's own
fund is staked with 5,000 tokens by account 4, so its cover is exercised.

Reporters are the markets' test keys (plan.markets[i].reporter_keys).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account

from bulwark.chain import Chain
from bulwark.deploy import deploy_suite_on
from bulwark.params import read_params
from bulwark.signing.reports import sign_batch
from bulwark.units import DAY, HOUR, WAD

KEEPER, BYSTANDER, OPERATOR = 0, 1, 6
SIGNERS = (1, 2, 3, 4, 5)
STAKERS = (4, 5)
TRADERS = (7, 8, 9)
LIQUIDATORS = (9, 0)
ATTACKERS = (10, 11)
ENGINE_ACCOUNTS = (KEEPER, BYSTANDER, *TRADERS, *ATTACKERS)  # every account that touches the engine
# tokens: (wallet mint, engine deposit, fund deposit) per account
FUNDING = {
    KEEPER: (3_000, 3_000, 0),
    BYSTANDER: (1_000, 1_000, 0),
    4: (1_000_000, 0, 20_000),
    5: (1_000_000, 0, 20_000),
    7: (1_000_000, 20_000, 0),
    8: (1_000_000, 20_000, 0),
    9: (5_000, 5_000, 0),
    10: (20_000, 20_000, 0),
    11: (20_000, 20_000, 0),
}
# (owner, subaccount id) -> tokens minted and deposited into it at the start
KEEPER_DESK = 5
DESKS = {(7, 1): 5_000, (8, 1): 5_000, (KEEPER, KEEPER_DESK): 3_000}
DESK_OWNERS = (7, 8)
ISOLATED_STAKER, ISOLATED_STAKE = 4, 5_000  # who stakes each isolated market's own fund, and how much
MAX_UINT = 2**256 - 1
OK, TRIPPED = 0, 3  # IMedianOracle.Status
PATH_RANGE = (5, 20)  # the price path stays within 0.5x..2x of its start (tenths)
WASH_NOTIONAL = 10  # an attacker's wash position stays below 1/10 of its engine deposit (at the start price)
PAUSE_DURATIONS = (60, HOUR, 3 * DAY)  # capped at the plan's max_pause
GAPS = (1, 1, 30, 300, 601, HOUR + 1, DAY)  # seconds between steps
# the attacker's own report-signing keys (no oracle lists them): enough for any quorum up to MAX_REPORTERS
STRANGER_KEYS = tuple(hashlib.sha256(b"bulwark attacker key %d" % i).digest() for i in range(32))


@dataclass
class Pending:
    """A scheduled guardian operation."""

    calls: list
    salt: bytes
    eta: int
    expires_at: int


def deploy_world(chain: Chain, params_path: Path) -> dict:
    """The suite from `params_path`, every actor funded and each market priced once at the geometric
    middle of its config's price bounds: {"suite", "starts", "minted", "reporters"} (reporters: per
    market, the address of each of plan.markets[m].reporter_keys, in that order)."""
    params, _ = read_params(params_path)
    suite = deploy_suite_on(chain, params)
    acc = chain.accounts
    token, engine, fund = suite.collateral, suite.engine, suite.fund
    unit = 10**suite.plan.decimals
    for i, (minted, engine_deposit, fund_deposit) in FUNDING.items():
        token.mint.transact(acc[i], minted * unit, sender=acc[i])
        token.approve.transact(engine.address, MAX_UINT, sender=acc[i])
        token.approve.transact(fund.address, MAX_UINT, sender=acc[i])
        if engine_deposit:
            engine.deposit.transact(engine_deposit * unit, sender=acc[i])
            engine.setOperator.transact(acc[OPERATOR], True, sender=acc[i])
        if fund_deposit:
            fund.deposit.transact(fund_deposit * unit, acc[i], sender=acc[i])
    minted = sum(f[0] for f in FUNDING.values())
    for (i, id_), tokens in DESKS.items():
        token.mint.transact(acc[i], tokens * unit, sender=acc[i])
        engine.depositTo.transact(id_, tokens * unit, sender=acc[i])
        minted += tokens
    staker = acc[ISOLATED_STAKER]
    for m in range(len(suite.oracles)):
        if engine.isIsolated(m):
            own = engine.market(m).fund
            token.mint.transact(staker, ISOLATED_STAKE * unit, sender=staker)
            token.approve.transact(own, MAX_UINT, sender=staker)
            chain.at("InsuranceFund", own).deposit.transact(ISOLATED_STAKE * unit, staker, sender=staker)
            minted += ISOLATED_STAKE
    starts = []
    for m, market in enumerate(suite.plan.markets):
        c = market.config
        start = math.isqrt(c.minPrice * c.maxPrice) // WAD * WAD or c.minPrice
        starts.append(start)
        chain.sleep(1)
        oracle = suite.oracles[m]
        epoch = oracle.nextEpoch()
        keys = market.reporter_keys
        batch = sign_batch(
            keys, chain.chain_id, oracle.address, market.feed_id, epoch, [start] * len(keys), chain.timestamp
        )
        oracle.poke.transact(epoch, batch, sender=acc[OPERATOR])
    return {
        "suite": suite,
        "starts": starts,
        "minted": minted * unit,
        "reporters": [[Account.from_key(k).address for k in m.reporter_keys] for m in suite.plan.markets],
    }
