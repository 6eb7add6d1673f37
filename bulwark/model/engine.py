"""MarginEngine's arithmetic in Python, rounding for rounding (contracts/margin/MarginEngine.sol and
the libraries MarginMath.sol and SharedLoss.sol).

Used by tests to predict exact on-chain figures, by the state machine's shadow model, and by the demo to
explain what it shows. Every value is an int in the contract's units: sizes in WAD base units (signed),
prices, rates and values in WAD.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from bulwark.units import WAD, YEAR

LIQUIDATION_BUFFER = WAD // 10


def subaccount(owner: str, id_: int) -> str:
    """The address of `owner`'s subaccount `id_`, as IMarginEngine.subaccount computes it: `owner` itself for
    id 0, else the low 160 bits of keccak256(abi.encode(owner, id_))."""
    if id_ == 0:
        return owner
    digest = keccak(abi_encode(["address", "uint96"], [owner, id_]))
    return to_checksum_address(digest[-20:])


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def trunc_div(a: int, b: int) -> int:
    """Solidity's signed division: rounds toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


@dataclass(frozen=True)
class RiskParams:
    """IMarginEngine.RiskParams in field order."""

    baseMmr: int = WAD // 20  # 5%
    maxMmr: int = WAD // 2
    volMultiplier: int = 0
    horizon: int = 86_400
    imFactor: int = 2 * WAD
    liquidationBonus: int = WAD // 50  # 2%
    insuranceShare: int = WAD // 100  # 1%
    maxTradeDeviation: int = WAD // 20  # 5%
    openInterestCap: int = 1_000 * WAD
    dustSize: int = WAD // 100

    def as_tuple(self) -> tuple:
        return astuple(self)


@dataclass(frozen=True)
class AccountState:
    equity: int
    collateral: int
    maintenance_margin: int
    initial_margin: int

    @property
    def without_profit(self) -> int:
        """min(equity, collateral): what ENG-05 compares with IM."""
        return min(self.equity, self.collateral)

    @property
    def liquidatable(self) -> bool:
        return self.equity < self.maintenance_margin

    def margin_ratio(self) -> int | None:
        """equity / MM in WAD (None without positions: the contract returns type(int256).max)."""
        if self.maintenance_margin == 0:
            return None
        return trunc_div(self.equity * WAD, self.maintenance_margin)


def value(size: int, price: int) -> int:
    """size * price in WAD, rounded toward negative infinity."""
    return size * price // WAD


def mmr(risk: RiskParams, annualised_volatility: int) -> int:
    """min(maxMmr, baseMmr + volMultiplier * sigma * sqrt(horizon / year))."""
    horizon_vol = annualised_volatility * math.isqrt(risk.horizon * WAD * WAD // YEAR) // WAD
    return min(risk.maxMmr, risk.baseMmr + risk.volMultiplier * horizon_vol // WAD)


def margins(size: int, index: int, rate: int, im_factor: int) -> tuple[int, int]:
    """(MM, IM) of one position, each rounded up."""
    notional = ceil_div(abs(size) * index, WAD)
    mm = ceil_div(notional * rate, WAD)
    return mm, ceil_div(mm * im_factor, WAD)


def account_state(
    cash: int,
    positions: dict[int, tuple[int, int]],
    prices: dict[int, tuple[int, int]],
    risks,
    owed: dict[int, int] | None = None,
) -> AccountState:
    """Equity, collateral, MM and IM. `positions[m] = (size, openNotional)`, `prices[m] = (index, rate)`,
    `risks[m]` the market's RiskParams, `owed[m]` what the position owes of shared losses (counted in
    equity and collateral at once)."""
    equity = collateral = cash
    mm = im = 0
    for m, (size, open_notional) in positions.items():
        if size == 0:
            continue
        index, rate = prices[m]
        due = (owed or {}).get(m, 0)
        equity += value(size, index) - due
        collateral += open_notional - due
        pm, pi = margins(size, index, rate, risks[m].imFactor)
        mm, im = mm + pm, im + pi
    return AccountState(equity, collateral, mm, im)


@dataclass
class SideLoss:
    """One side (longs or shorts) of a market's shared losses (IMarginEngine.SideLoss), with the
    arithmetic of contracts/libraries/SharedLoss.sol: `owed`, `share`, `recover`."""

    index: int = 0
    unsettled: int = 0
    scale: int = WAD
    era: int = 0

    def owed(self, size: int, snapshot: int, era: int) -> int:
        """What a position of `size` with this `snapshot` and `era` owes."""
        if size == 0:
            return 0
        start = snapshot if era == self.era else 0  # an older era was recovered in full
        return ceil_div(ceil_div(abs(size) * (self.index - start), WAD) * self.scale, WAD)

    def share(self, amount: int, open_interest: int) -> int:
        """The side owes `amount` more, pro rata to size over `open_interest`; returns the new index."""
        per_unit = ceil_div(amount * WAD, open_interest)
        self.index += ceil_div(per_unit * WAD, self.scale)
        self.unsettled += amount
        return self.index

    def recover(self, amount: int) -> int:
        """Relieve the side of up to `amount`, pro rata; returns the amount used."""
        if self.unsettled <= 0 or amount == 0:
            return 0
        used = min(amount, self.unsettled)
        if used == self.unsettled:
            self.index, self.unsettled, self.scale, self.era = 0, 0, WAD, self.era + 1
        else:
            self.scale = ceil_div(self.scale * (self.unsettled - used), self.unsettled)
            self.unsettled -= used
        return used


def debt_share(
    debt: int,
    market: int,
    amount: int,
    positions: dict[int, tuple[int, int]],
    prices,
    owed_by: dict[int, int],
) -> int:
    """The part of an insolvent account's `debt` (-equity) closing `amount` of its `market` position
    carries (MarginEngine._debtShare): pro rata to each held market's unrealised loss (by notional when
    none shows one), then to `amount`; all of `debt` when the part carries all the remaining weight."""
    losses, notionals = {}, {}
    for m, (size, open_notional) in positions.items():
        if size == 0:
            continue
        index = prices[m][0]
        pnl = value(size, index) - open_notional - owed_by.get(m, 0)
        losses[m], notionals[m] = max(-pnl, 0), abs(size) * index // WAD
    weights = losses if sum(losses.values()) else notionals
    weight, total = weights[market], sum(weights.values())
    size = abs(positions[market][0])
    if amount == size and weight == total:
        return debt
    return debt * weight // total * amount // size


def move(size: int, open_notional: int, delta: int, cash_delta: int) -> tuple[int, int]:
    """MarginEngine._move's new (size, openNotional) after changing the size by `delta` for `cash_delta`."""
    after = size + delta
    cost = -cash_delta
    if after == 0:
        return 0, 0
    if size == 0 or (size > 0) == (delta > 0):
        return after, open_notional + cost
    if abs(delta) <= abs(size):
        return after, open_notional - trunc_div(open_notional * delta, -size)
    return after, trunc_div(cost * after, delta)


def keeps_margin_ratio(before_equity: int, before_mm: int, after_equity: int, after_mm: int) -> bool:
    """ENG-04 for one liquidation: a partial one (solvent before, positions left after) never lowers
    equity / MM (compared crosswise, exactly); a full one, or one of an insolvent account, passes."""
    if before_equity <= 0 or after_mm == 0:
        return True
    return after_equity * before_mm >= before_equity * after_mm


def liquidation_limit(state: AccountState, held: int, index: int, rate: int, risk: RiskParams) -> int:
    """The most a liquidation of an account with 0 < equity < MM may take (MarginMath.liquidationLimit)."""
    target = ceil_div(state.maintenance_margin * (WAD + LIQUIDATION_BUFFER), WAD)
    need = target - state.equity
    relief = rate * (WAD + LIQUIDATION_BUFFER) // WAD - risk.liquidationBonus - risk.insuranceShare
    notional = ceil_div(need * WAD, relief)
    amount = ceil_div(notional * WAD, index)
    return held if amount >= held or held - amount < risk.dustSize else amount


def penalty(
    before: AccountState, after_close: AccountState, notional: int, risk: RiskParams
) -> tuple[int, int]:
    """(bonus, insurance share) for closing `notional` (MarginEngine._penalty)."""
    rates = risk.liquidationBonus + risk.insuranceShare
    nominal = notional * rates // WAD
    if nominal == 0 or before.equity <= 0 or after_close.equity <= 0:
        return 0, 0
    floor = ceil_div(before.equity * after_close.maintenance_margin, before.maintenance_margin)
    cap = max(after_close.equity - floor, 0)
    total = min(nominal, cap)
    bonus = total * risk.liquidationBonus // rates
    return bonus, total - bonus
