"""Gas of InsuranceFund's paths, measured from receipts on a local chain, beside a plain OpenZeppelin
ERC4626 (same virtual offset, no cooldown, pauses or re-entrancy guard) as the baseline for deposit and
redeem.

Every path runs on warm state (a second deposit, a request on an account that has shares, a cover in a
bucket that already paid), which is what a live fund sees; the first deposit into an empty vault is
reported separately.
"""

from __future__ import annotations

from dataclasses import dataclass

from bulwark.units import DAY

COOLDOWN, REDEEM_WINDOW, OUTFLOW_WINDOW = 7 * DAY, 2 * DAY, DAY
DECIMALS = 6
UNIT = 10**DECIMALS

FIRST_DEPOSIT = "deposit: first, into an empty fund"
DEPOSIT = "deposit"
REQUEST = "requestRedeem"
REDEEM = "redeem (after the cooldown)"
COVER = "cover: within the cap"
COVER_SHORT = "cover: short (Shortfall)"
REVENUE = "addRevenue"
PATHS = (FIRST_DEPOSIT, DEPOSIT, REQUEST, REDEEM, COVER, COVER_SHORT, REVENUE)
BASELINE_DEPOSIT = "plain ERC4626 deposit"
BASELINE_REDEEM = "plain ERC4626 redeem"


@dataclass(frozen=True)
class FundGas:
    gas: dict[str, int]  # path -> receipt gas_used
    baseline: dict[str, int]  # plain ERC4626 path -> receipt gas_used

    def ratios(self) -> dict[str, float]:
        """Ours over the plain vault, for the paths both have (measured in this one run)."""
        return {
            DEPOSIT: self.gas[DEPOSIT] / self.baseline[BASELINE_DEPOSIT],
            REDEEM: self.gas[REDEEM] / self.baseline[BASELINE_REDEEM],
        }


def measure_fund_gas(project, chain, deployer, staker, other, engine) -> FundGas:
    token = deployer.deploy(project.MockERC20, "USD Coin", "USDC", DECIMALS)
    params = (COOLDOWN, REDEEM_WINDOW, 1_000 * UNIT)
    fund = deployer.deploy(
        project.InsuranceFund, deployer, token, "Insurance", "INS", OUTFLOW_WINDOW, params, []
    )
    plain = deployer.deploy(project.PlainERC4626, token)
    fund.setEngine(engine, True, sender=deployer)
    for account in (staker, other, engine):
        token.mint(account, 1_000_000 * UNIT, sender=account)
        token.approve(fund, 2**256 - 1, sender=account)
        token.approve(plain, 2**256 - 1, sender=account)

    clock = [chain.blocks.head.timestamp]

    def send(call, *args, after: int = 1, **kwargs):
        clock[0] += after
        chain.pending_timestamp = clock[0]
        return call(*args, **kwargs).gas_used

    gas = {
        FIRST_DEPOSIT: send(fund.deposit, 1_000 * UNIT, other, sender=other),
        DEPOSIT: send(fund.deposit, 1_000 * UNIT, staker, sender=staker),
    }
    shares = fund.balanceOf(staker)
    gas[REQUEST] = send(fund.requestRedeem, shares, sender=staker)
    gas[REVENUE] = send(fund.addRevenue, 10 * UNIT, sender=engine)
    send(fund.cover, 1 * UNIT, sender=engine)  # the bucket has paid before
    gas[COVER] = send(fund.cover, 100 * UNIT, sender=engine)
    gas[COVER_SHORT] = send(fund.cover, 5_000 * UNIT, sender=engine)
    gas[REDEEM] = send(fund.redeem, shares, staker, staker, sender=staker, after=COOLDOWN)

    send(plain.deposit, 1_000 * UNIT, other, sender=other)
    baseline = {BASELINE_DEPOSIT: send(plain.deposit, 1_000 * UNIT, staker, sender=staker)}
    baseline[BASELINE_REDEEM] = send(plain.redeem, plain.balanceOf(staker), staker, staker, sender=staker)
    return FundGas(gas, baseline)
