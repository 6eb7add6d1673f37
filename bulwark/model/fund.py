"""InsuranceFund's rules in plain Python: share/asset accounting with virtual shares (the decimals
offset), the depletion bound, cooldown redemptions and their windows, the bucketed rolling outflow cap
on cover, revenue and donations, and what each call of the fund should do (the custom error and its
inputs, or the shares minted and assets paid). No I/O: the fund state machine and the unit tests
predict every outcome with it.

Integer arithmetic mirrors the contract's rounding exactly (OpenZeppelin's mulDiv: floor unless named;
previewMint rounds the assets up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bulwark.units import DAY, HOUR  # noqa: F401  (HOUR: the machine imports it from here)

DECIMALS_OFFSET = 6  # InsuranceFund.DECIMALS_OFFSET: shares have the asset's decimals plus this
VIRTUAL_SHARES = 10**DECIMALS_OFFSET
MAX_SHARES_PER_ASSET = 10**12  # IInsuranceFund.MAX_SHARES_PER_ASSET: the depletion bound
OUTFLOW_WINDOW = DAY  # the window of the suite's funds (a constructor argument)
OUTFLOW_BUCKETS = 8  # InsuranceFund.OUTFLOW_BUCKETS: the window's resolution
BUCKET_SECONDS = -(-OUTFLOW_WINDOW // OUTFLOW_BUCKETS)  # ceil(OUTFLOW_WINDOW / OUTFLOW_BUCKETS)
MAX_UINT = 2**256 - 1


def outflow_used(outflows, at: int) -> int:
    """InsuranceFund.outflowUsed at `at`: the cover paid (`outflows`: (time, amount) pairs, none later
    than `at`) in the bucket of `at` and the OUTFLOW_BUCKETS before it."""
    first = at // BUCKET_SECONDS - OUTFLOW_BUCKETS
    return sum(paid for t, paid in outflows if t // BUCKET_SECONDS >= first)


class Params(NamedTuple):
    """IInsuranceFund.Params in field order (times in seconds). maxOutflow's unit is the holder's to say:
    whole tokens in the tests' PARAMS (times `unit` on chain), token units in a deployment plan."""

    cooldown: int = 7 * DAY
    redeemWindow: int = 2 * DAY
    maxOutflow: int = 1_000


PARAMS = Params()


def value_of(shares: int, assets: int, supply: int) -> int:
    """_convertToAssets(shares, Floor)."""
    return shares * (assets + 1) // (supply + VIRTUAL_SHARES)


def shares_for(received: int, assets: int, supply: int) -> int:
    """deposit: the shares minted for `received`, priced on the balance before it arrived (floor)."""
    return received * (supply + VIRTUAL_SHARES) // (assets + 1)


def mint_cost(shares: int, assets: int, supply: int) -> int:
    """previewMint(shares): _convertToAssets(shares, Ceil)."""
    return -(-shares * (assets + 1) // (supply + VIRTUAL_SHARES))


def depleted(assets: int, supply: int) -> bool:
    """Deposits are refused: one unit would mint more than MAX_SHARES_PER_ASSET shares."""
    return supply + VIRTUAL_SHARES > MAX_SHARES_PER_ASSET * (assets + 1)


def open_balance(supply: int) -> int:
    """The least balance at which deposits are open with `supply` shares outstanding."""
    return -(-(supply + VIRTUAL_SHARES) // MAX_SHARES_PER_ASSET) - 1


class Request(NamedTuple):
    """IInsuranceFund.RedeemRequest in field order."""

    shares: int
    assets: int
    claimable_at: int
    expires_at: int


class Redemption(NamedTuple):
    """A redemption as the chain reported it, with the request it redeemed."""

    at: int
    request: Request
    paid: int
    value: int  # the shares' value just before the redemption


class Rejection(NamedTuple):
    """A call the fund refuses: the custom error's name and inputs."""

    error: str
    inputs: dict


@dataclass
class FundModel:
    """One fund over a token of `unit` base units per token, with `stakers` owners (by index; `owners`
    are their addresses, for error inputs). Predictions (`*_rejection`, `minted`, ...) read the state;
    the `apply_*` methods change it and are called only after the chain accepted the transaction."""

    unit: int
    owners: list[str]
    params: Params = PARAMS
    balance: int = 0  # the fund's token balance = totalAssets()
    supply: int = 0
    deposited: int = 0  # every unit deposits and mints ever brought in (the supply's bound)
    shares: list[int] = field(default_factory=list)
    requests: list[Request | None] = field(default_factory=list)  # as stored (possibly expired)
    outflows: list[tuple[int, int]] = field(default_factory=list)  # (block time, paid) per paying cover
    redemptions: list[Redemption] = field(default_factory=list)

    def __post_init__(self):
        self.shares = self.shares or [0] * len(self.owners)
        self.requests = self.requests or [None] * len(self.owners)

    @property
    def stakers(self) -> int:
        return len(self.owners)

    @property
    def cap(self) -> int:
        """maxOutflow in base units."""
        return self.params.maxOutflow * self.unit

    # ------------------------------------------------------------ prices and bounds

    def value(self, shares: int) -> int:
        return value_of(shares, self.balance, self.supply)

    def minted(self, received: int) -> int:
        return shares_for(received, self.balance, self.supply)

    def mint_cost(self, shares: int) -> int:
        return mint_cost(shares, self.balance, self.supply)

    def depleted(self) -> bool:
        return depleted(self.balance, self.supply)

    def open_balance(self) -> int:
        return open_balance(self.supply)

    def smallest_deposit(self) -> int:
        """The least deposit that mints a share."""
        return -(-(self.balance + 1) // (self.supply + VIRTUAL_SHARES))

    # ------------------------------------------------------------ outflow tally

    def used(self, at: int) -> int:
        return outflow_used(self.outflows, at)

    def allowance(self, at: int) -> int:
        return max(self.cap - self.used(at), 0)

    def tally_edge(self, now: int) -> int | None:
        """When the oldest payout counted at `now` leaves the tally (OUTFLOW_BUCKETS + 1 buckets on)."""
        first = now // BUCKET_SECONDS - OUTFLOW_BUCKETS
        counted = [t for t, _ in self.outflows if t // BUCKET_SECONDS >= first]
        return (min(counted) // BUCKET_SECONDS + OUTFLOW_BUCKETS + 1) * BUCKET_SECONDS if counted else None

    @staticmethod
    def cleared_tally(now: int) -> int:
        """The first instant at which nothing paid up to `now` is counted any more."""
        return (now // BUCKET_SECONDS + OUTFLOW_BUCKETS + 1) * BUCKET_SECONDS

    def window_within_cap(self) -> bool:
        """FND-04 exactly: in every OUTFLOW_WINDOW ending at a payout (and so at any instant)."""
        return all(
            sum(paid for s, paid in self.outflows if t - OUTFLOW_WINDOW < s <= t) <= self.cap
            for t, _ in self.outflows
        )

    # ------------------------------------------------------------ requests

    def live(self, i: int, at: int) -> bool:
        r = self.requests[i]
        return r is not None and at < r.expires_at

    def open(self, i: int, at: int) -> bool:
        r = self.requests[i]
        return r is not None and r.claimable_at <= at < r.expires_at

    def locked(self, i: int, at: int) -> int:
        return self.requests[i].shares if self.live(i, at) else 0

    def max_redeem(self, i: int, at: int) -> int:
        return self.requests[i].shares if self.open(i, at) else 0

    def claimable(self, i: int, at: int) -> int:
        """claimableAssets: min(value at request, value now) while the window is open, else 0."""
        return min(self.requests[i].assets, self.value(self.requests[i].shares)) if self.open(i, at) else 0

    def new_request(self, shares: int, at: int) -> Request:
        claimable_at = at + self.params.cooldown
        return Request(shares, self.value(shares), claimable_at, claimable_at + self.params.redeemWindow)

    # ------------------------------------------------------------ predictions

    def deposit_rejection(self, amount: int) -> Rejection | None:
        if self.depleted():
            return Rejection(
                "InsuranceFundDepleted", {"totalAssets": self.balance, "totalSupply": self.supply}
            )
        if self.minted(amount) == 0:
            return Rejection("InsuranceFundZeroShares", {"assets": amount, "received": amount})
        return None

    def mint_rejection(self, shares: int) -> Rejection | None:
        if shares == 0:
            return Rejection("InsuranceFundZeroAmount", {})
        if self.depleted():
            return Rejection(
                "InsuranceFundDepleted", {"totalAssets": self.balance, "totalSupply": self.supply}
            )
        return None

    def request_rejection(self, i: int, shares: int, at: int) -> Rejection | None:
        owner = self.owners[i]
        if shares == 0:
            return Rejection("InsuranceFundZeroAmount", {})
        if self.live(i, at):
            r = self.requests[i]
            return Rejection(
                "InsuranceFundRequestPending", {"owner": owner, "shares": r.shares, "expiresAt": r.expires_at}
            )
        if shares > self.shares[i]:
            inputs = {"owner": owner, "shares": shares, "balance": self.shares[i], "locked": 0}
            return Rejection("InsuranceFundSharesLocked", inputs)
        return None

    def cancel_rejection(self, i: int, at: int) -> Rejection | None:
        return (
            None
            if self.live(i, at)
            else Rejection("InsuranceFundCooldownRequired", {"owner": self.owners[i]})
        )

    def redeem_rejection(self, i: int, shares: int, at: int) -> Rejection | None:
        """`i` redeems its own request of `shares` at `at` (the caller is `i` itself)."""
        owner, r = self.owners[i], self.requests[i]
        if r is None:
            return Rejection("InsuranceFundCooldownRequired", {"owner": owner})
        if at < r.claimable_at:
            inputs = {"owner": owner, "timestamp": at, "claimableAt": r.claimable_at}
            return Rejection("InsuranceFundCooldownActive", inputs)
        if at >= r.expires_at:
            return Rejection("InsuranceFundRequestExpired", {"owner": owner, "expiresAt": r.expires_at})
        if shares != r.shares:
            return Rejection(
                "InsuranceFundRedeemMismatch", {"owner": owner, "shares": shares, "requested": r.shares}
            )
        return None

    def transfer_rejection(self, i: int, amount: int, at: int) -> Rejection | None:
        balance, locked = self.shares[i], self.locked(i, at)
        if amount > balance - locked:
            inputs = {"owner": self.owners[i], "shares": amount, "balance": balance, "locked": locked}
            return Rejection("InsuranceFundSharesLocked", inputs)
        return None

    def cover_paid(self, amount: int, at: int) -> int:
        """cover(amount) at `at` pays min(amount, balance, outflow allowance)."""
        return min(amount, self.balance, self.allowance(at))

    # ------------------------------------------------------------ state changes (after success)

    def apply_deposit(self, i: int, assets: int, shares: int) -> None:
        self.balance += assets
        self.supply += shares
        self.deposited += assets
        self.shares[i] += shares

    def apply_request(self, i: int, request: Request) -> None:
        self.requests[i] = request

    def apply_cancel(self, i: int) -> None:
        self.requests[i] = None

    def apply_redeem(self, i: int, at: int, paid: int, value: int) -> None:
        r = self.requests[i]
        self.redemptions.append(Redemption(at, r, paid, value))
        self.balance -= paid
        self.supply -= r.shares
        self.shares[i] -= r.shares
        self.requests[i] = None

    def apply_transfer(self, i: int, receiver: int, amount: int) -> None:
        self.shares[i] -= amount
        self.shares[receiver] += amount

    def apply_cover(self, at: int, paid: int) -> None:
        if paid:
            self.outflows.append((at, paid))
            self.balance -= paid

    def apply_inflow(self, amount: int) -> None:
        """Revenue or a donation: the balance grows, the supply does not."""
        self.balance += amount
