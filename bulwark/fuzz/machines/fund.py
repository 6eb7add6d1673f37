"""InsuranceFund over a 6- or 18-decimal MockERC20 (FundMachine6, FundMachine18): three stakers deposit
(down to amounts too small to mint a share) and mint, request, cancel and redeem (early, on time, at
the window's edges, late, for the wrong share count), and move shares (locked ones too); the registered
engine draws cover, small, large and beyond the balance, against the rolling outflow cap, drains the
fund (to zero, or to either side of the depletion bound) and pays revenue, which recapitalises a
depleted fund so that stakers deposit again; a donor sends tokens straight to the fund; a stranger
tries to cover or to redeem a staker's matured request; time passes in small steps and jumps across
buckets, the outflow window, cooldowns and redeem windows.

The model (bulwark/model/fund.py), updated only on success, predicts every transaction down to the
custom error and its inputs, or to the exact shares minted, assets paid and events emitted. Rejected
steps are as likely as accepted ones: every `stray`/`over`/`wrong`/`tiny` draw is a fair coin, and
nothing caps rejections. FND-01..FND-05 and every view are checked after every step; for FND-05 each
staker's whole exit (request all its shares if it has no live request, wait for the cooldown, redeem)
is run as transactions inside a snapshot that is then reverted.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from bulwark.chain import Chain, Contract, Receipt, Reverted
from bulwark.fuzz.lane import LaneMachine
from bulwark.invariants import FND_01, FND_02, FND_03, FND_04, FND_05
from bulwark.model.fund import (
    BUCKET_SECONDS,
    MAX_SHARES_PER_ASSET,
    MAX_UINT,
    OUTFLOW_WINDOW,
    PARAMS,
    FundModel,
    Rejection,
    Request,
)
from bulwark.units import DAY, HOUR, MINUTE

GUARDIAN, ENGINE, DONOR, STRANGER = 0, 7, 8, 9  # dev account indices
STAKER_ACCOUNTS = (1, 2, 3)
STAKERS = len(STAKER_ACCOUNTS)
STAKER_TOKENS = 1_000_000  # minted to each staker and the engine
DONOR_TOKENS = 10**9
DRAIN_COVERS = 10  # most covers one drain makes (one per cleared outflow tally once the cap binds)
JUMPS = {  # all longer than an hour
    "bucket": BUCKET_SECONDS,
    "outflow_window": OUTFLOW_WINDOW,
    "cooldown": PARAMS.cooldown,
    "redeem_window": PARAMS.redeemWindow,
}
EMPTY_REQUEST = (0, 0, 0, 0)

gaps = st.integers(1, 10 * MINUTE)  # between one transaction and the next
indices = st.integers(0, STAKERS - 1)
dusts = st.integers(0, 10**18 - 1)  # sub-token amounts, reduced modulo one token

_CALLDATA: dict[tuple, bytes] = {}  # (address, function, *args) -> calldata: the views' are fixed


class FundWorld(NamedTuple):
    token: Contract
    fund: Contract
    unit: int


def deploy_fund_world(chain: Chain, decimals: int) -> FundWorld:
    """What tests/unit/fund/conftest.py's `fund` fixture deploys: a MockERC20 with `decimals`, a fund
    over it with PARAMS and one registered engine, stakers and the engine funded and approved; and a
    donor's tokens."""
    accounts = chain.accounts
    guardian = accounts[GUARDIAN]
    unit = 10**decimals
    token = chain.deploy("MockERC20", "USD Coin", "USDC", decimals, sender=guardian)
    on_chain = (PARAMS.cooldown, PARAMS.redeemWindow, PARAMS.maxOutflow * unit)
    fund = chain.deploy(
        "InsuranceFund", guardian, token.address, "Bulwark Insurance", "bINS", OUTFLOW_WINDOW, on_chain, [],
        sender=guardian,
    )  # fmt: skip
    fund.setEngine.transact(accounts[ENGINE], True, sender=guardian)
    for i in (*STAKER_ACCOUNTS, ENGINE):
        token.mint.transact(accounts[i], STAKER_TOKENS * unit, sender=accounts[i])
        token.approve.transact(fund.address, MAX_UINT, sender=accounts[i])
    token.mint.transact(accounts[DONOR], DONOR_TOKENS * unit, sender=accounts[DONOR])
    return FundWorld(token, fund, unit)


class FundMachine(LaneMachine):
    """The machine; FundMachine6 and FundMachine18 pick the token's decimals."""

    decimals: ClassVar[int]

    def __init__(self):
        super().__init__()
        self.token, self.fund, self.unit = self.world
        accounts = self.chain.accounts
        self.owners = [accounts[i] for i in STAKER_ACCOUNTS]
        self.engine, self.donor, self.stranger = accounts[ENGINE], accounts[DONOR], accounts[STRANGER]
        self.m = FundModel(self.unit, list(self.owners))
        self.now = self.chain.timestamp  # every transaction and mined block is later
        assert self.token.balanceOf(self.fund.address) == self.fund.totalSupply() == 0
        # FND-02: the fund's balance at the last check, and what the step since was expected to move
        self.checked_balance = 0
        self.step_out, self.step_in = 0, 0
        self._views: dict | None = None  # what the invariants read, once per state (see `_view`)

    # ------------------------------------------------------------ helpers

    def _choose(self, index: int, suitable) -> int | None:
        """The first staker from `index` on for whom `suitable` holds, if any."""
        for k in range(STAKERS):
            i = (index + k) % STAKERS
            if suitable(i):
                return i
        return None

    def _amount(self, tokens: int, dust: int) -> int:
        return tokens * self.unit + dust % self.unit

    def _read(self, *views: tuple) -> list:
        """The results of `views` ((contract, function name, *args) each) in one batch of calls."""
        calls = []
        for contract, name, *args in views:
            key = (contract.address, name, *args)
            data = _CALLDATA.get(key)
            if data is None:
                data = _CALLDATA[key] = getattr(contract, name).calldata(*args)
            calls.append((contract.address, data))
        results = []
        for (contract, name, *_), result in zip(views, self.chain.call_many(calls), strict=True):
            if isinstance(result, Reverted):
                raise result
            results.append(contract.abi.function(name).decode(result))
        return results

    def _view(self, key):
        """One of the views the invariants check, all read in one batch after each change of state."""
        if self._views is None:
            fund, owners = self.fund, self.owners
            views = {
                "balance": (self.token, "balanceOf", fund.address),
                **{
                    name: (fund, name)
                    for name in ("totalAssets", "totalSupply", "outflowUsed", "outflowAllowance")
                },
                **{name: (fund, name, owners[0]) for name in ("maxDeposit", "maxMint")},
                **{
                    (name, i): (fund, name, owner)
                    for i, owner in enumerate(owners)
                    for name in ("balanceOf", "redeemRequest", "lockedShares", "maxRedeem", "claimableAssets")
                },
            }
            self._views = dict(zip(views, self._read(*views.values()), strict=True))
        return self._views[key]

    def _warp(self, at: int) -> None:
        self.now = at
        self.chain.warp(at)
        self._views = None

    def _at(self, at: int) -> None:
        """The next transaction lands at `at` (a block of its own at that time, even if it reverts)."""
        assert at > self.now
        self._warp(at)

    def _send(self, at: int, rejection: Rejection | None, fn, *args, sender: str) -> Receipt | None:
        """Send `fn(*args)` at `at`: it reverts with `rejection` if one is predicted (None returned),
        else it succeeds (its receipt returned)."""
        self._at(at)
        receipt = fn.attempt(*args, sender=sender)
        if rejection is not None:
            receipt.assert_reverted(rejection.error, **rejection.inputs)
            return None
        assert receipt.status, receipt.error
        return receipt

    def _flows(self, receipt: Receipt, out: list[tuple[str, int]], into: list[tuple[str, int]]) -> None:
        """FND-02: the token transfers out of the fund are exactly `out` (to the engine covering, or to
        the staker redeeming) and those into it exactly `into`."""
        token, fund = self.token.address, self.fund.address
        transfers = [e.args for e in receipt.events if e.name == "Transfer" and e.address == token]
        moved_out = [(t["to"], t["value"]) for t in transfers if t["from"] == fund]
        moved_in = [(t["from"], t["value"]) for t in transfers if t["to"] == fund]
        assert moved_out == out, FND_02
        assert moved_in == into
        self.step_out += sum(amount for _, amount in out)
        self.step_in += sum(amount for _, amount in into)

    # ------------------------------------------------------------ transactions

    def _deposit(self, i: int, amount: int, at: int) -> None:
        rejection = self.m.deposit_rejection(amount)
        owner = self.owners[i]
        receipt = self._send(at, rejection, self.fund.deposit, amount, owner, sender=owner)
        if receipt is None:
            return
        minted = self.m.minted(amount)
        deposited = receipt.event("Deposit")
        assert (deposited["owner"], deposited["assets"], deposited["shares"]) == (owner, amount, minted)
        self._flows(receipt, [], [(owner, amount)])
        self.m.apply_deposit(i, amount, minted)

    def _mint(self, i: int, shares: int, at: int) -> None:
        rejection = self.m.mint_rejection(shares)
        owner = self.owners[i]
        cost = self.m.mint_cost(shares) if rejection is None else 0
        receipt = self._send(at, rejection, self.fund.mint, shares, owner, sender=owner)
        if receipt is None:
            return
        deposited = receipt.event("Deposit")
        assert (deposited["owner"], deposited["assets"], deposited["shares"]) == (owner, cost, shares)
        self._flows(receipt, [], [(owner, cost)])
        self.m.apply_deposit(i, cost, shares)

    def _request(self, i: int, shares: int, at: int) -> None:
        owner = self.owners[i]
        rejection = self.m.request_rejection(i, shares, at)
        request = self.m.new_request(shares, at)
        receipt = self._send(at, rejection, self.fund.requestRedeem, shares, sender=owner)
        if receipt is None:
            return
        requested = receipt.event("RedeemRequested")
        assert (requested["owner"], requested["shares"], requested["assets"]) == (
            owner,
            shares,
            request.assets,
        )
        assert (requested["claimableAt"], requested["expiresAt"]) == request[2:]
        self._flows(receipt, [], [])
        self.m.apply_request(i, request)

    def _cancel(self, i: int, at: int) -> None:
        owner = self.owners[i]
        receipt = self._send(at, self.m.cancel_rejection(i, at), self.fund.cancelRedeem, sender=owner)
        if receipt is None:
            return
        cancelled = receipt.event("RedeemCancelled")
        assert (cancelled["owner"], cancelled["shares"]) == (owner, self.m.requests[i].shares)
        self._flows(receipt, [], [])
        self.m.apply_cancel(i)

    def _redeem(self, i: int, shares: int, at: int) -> None:
        """`i` redeems `shares` (to itself) at `at`."""
        owner, r = self.owners[i], self.m.requests[i]
        rejection = self.m.redeem_rejection(i, shares, at)
        receipt = self._send(at, rejection, self.fund.redeem, shares, owner, owner, sender=owner)
        if receipt is None:
            return
        value = self.m.value(shares)
        paid = min(r.assets, value)
        claimed = receipt.event("RedeemClaimed")
        assert (claimed["owner"], claimed["shares"], claimed["requestedAssets"]) == (owner, shares, r.assets)
        assert claimed["paid"] == paid, FND_03
        self._flows(receipt, [(owner, paid)], [])
        self.m.apply_redeem(i, at, claimed["paid"], value)

    def _cover(self, amount: int, at: int) -> None:
        """The engine asks for `amount` at `at`: paid min(amount, balance, outflow allowance)."""
        if amount == 0:
            self._send(at, Rejection("InsuranceFundZeroAmount", {}), self.fund.cover, 0, sender=self.engine)
            return
        allowance = self.m.allowance(at)
        paid = self.m.cover_paid(amount, at)
        receipt = self._send(at, None, self.fund.cover, amount, sender=self.engine)
        covered = receipt.event("Covered")
        assert (covered["engine"], covered["requested"], covered["paid"]) == (self.engine, amount, paid), (
            FND_04
        )
        shortfalls = [e.args for e in receipt.events if e.name == "Shortfall"]
        if paid < amount:
            (short,) = shortfalls
            assert (short["engine"], short["unpaid"]) == (self.engine, amount - paid)
            assert (short["balance"], short["allowance"]) == (self.m.balance, allowance), FND_04
        else:
            assert not shortfalls
        self._flows(receipt, [(self.engine, paid)] if paid else [], [])
        self.m.apply_cover(at, covered["paid"])

    def _revenue(self, amount: int, at: int) -> None:
        if amount == 0:
            rejection = Rejection("InsuranceFundZeroAmount", {})
            self._send(at, rejection, self.fund.addRevenue, 0, sender=self.engine)
            return
        receipt = self._send(at, None, self.fund.addRevenue, amount, sender=self.engine)
        revenue = receipt.event("RevenueReceived")
        assert (revenue["payer"], revenue["amount"], revenue["received"]) == (self.engine, amount, amount)
        self._flows(receipt, [], [(self.engine, amount)])
        self.m.apply_inflow(amount)

    def _drain(self, target: int, at: int, cleared: bool = False) -> None:
        """The engine covers the balance down to `target`, from `at` on: one cover if the allowance
        holds it, else one per cleared outflow tally, at most DRAIN_COVERS; `cleared`: wait for a
        cleared tally first anyway."""
        for k in range(DRAIN_COVERS):
            if self.m.balance <= target:
                return
            if (cleared and k == 0) or self.m.allowance(at) < self.m.balance - target:
                at = max(at, self.m.cleared_tally(self.now))
            self._cover(self.m.balance - target, at)
            at = self.now + 1

    def _donate(self, amount: int, at: int) -> None:
        receipt = self._send(at, None, self.token.transfer, self.fund.address, amount, sender=self.donor)
        self._flows(receipt, [], [(self.donor, amount)])
        self.m.apply_inflow(amount)

    # ------------------------------------------------------------ rules

    @initialize(
        scenario=st.sampled_from(["stakers", "donation_first", "inflation"]),
        deposits=st.lists(st.integers(0, 3_000), min_size=STAKERS, max_size=STAKERS),
        requests=st.lists(st.one_of(st.just(0), st.integers(1, 100)), min_size=STAKERS, max_size=STAKERS),
        donation=st.integers(1, 2_000),
        loss=st.one_of(st.just(0), st.integers(1, 1_000)),
        drained=st.booleans(),
        dust=dusts,
    )
    def stakers_join(self, scenario, deposits, requests, donation, loss, drained, dust):
        """Stakers deposit 0..3000 tokens each; or a donation lands before any deposit; or the classic
        inflation attempt: staker 0 deposits one unit and a donation follows. About half the stakers
        then request to redeem a percentage of their shares, and in about half the runs the engine then
        draws cover, so those requests are worth more than their shares are now; in about half
        (`drained`) it then drains the fund, so the run starts depleted."""
        if scenario == "inflation":
            self._deposit(0, 1, self.now + 1)
        if scenario != "stakers":
            self._donate(self._amount(donation, dust), self.now + 1)
        for i, tokens in enumerate(deposits):
            if tokens:
                self._deposit(i, self._amount(tokens, dust), self.now + 1)
        for i, percent in enumerate(requests):
            if percent and self.m.shares[i]:
                self._request(i, max(1, self.m.shares[i] * percent // 100), self.now + 1)
        if loss:
            self._cover(self._amount(loss, dust), self.now + 1)
        if drained and self.m.supply:
            self._drain(0, self.now + 1)

    @rule(index=indices, tiny=st.booleans(), tokens=st.integers(1, 10_000), dust=dusts, gap=gaps)
    def staker_deposits(self, index, tiny, tokens, dust, gap):
        """`tiny`: 0..2x the least amount that mints a share, so about half mint none."""
        amount = self._amount(tokens, dust)
        if tiny:
            amount = dust % (2 * self.m.smallest_deposit())
        self._deposit(index, amount, self.now + gap)

    @rule(
        index=indices,
        kind=st.sampled_from(["worth", "few", "zero"]),
        tokens=st.integers(1, 10_000),
        dust=dusts,
        gap=gaps,
    )
    def staker_mints(self, index, kind, tokens, dust, gap):
        """Exactly the shares 1..10,000 tokens (and dust) would buy, 1..1000 shares (the assets round
        up), or none (InsuranceFundZeroAmount)."""
        shares = {
            "worth": self.m.minted(self._amount(tokens, dust)),
            "few": 1 + dust % 1000,
            "zero": 0,
        }[kind]
        self._mint(index, shares, self.now + gap)

    @rule(index=indices, fraction=st.integers(1, 100), over=st.booleans(), stray=st.booleans(), gap=gaps)
    def staker_requests_redeem(self, index, fraction, over, stray, gap):
        """A percentage of the balance, by a staker with shares and no live request; `over`: more than
        the balance; `stray`: whoever `index` is (no shares, or a live request)."""
        at = self.now + gap
        if not stray:
            index = self._choose(index, lambda k: self.m.shares[k] > 0 and not self.m.live(k, at))
            if index is None:
                return
        balance = self.m.shares[index]
        self._request(index, balance + fraction if over else max(1, balance * fraction // 100), at)

    @rule(index=indices, stray=st.booleans(), gap=gaps)
    def staker_cancels_redeem(self, index, stray, gap):
        """A staker with a live request; `stray`: whoever `index` is."""
        at = self.now + gap
        if not stray:
            index = self._choose(index, lambda k: self.m.live(k, at))
            if index is None:
                return
        self._cancel(index, at)

    @rule(index=indices, offset=st.integers(0, 2**32))
    def staker_redeems_in_its_window(self, index, offset):
        """A staker with a live request redeems it at a random time in its window (now, if that is
        already open). If nobody has a live request, one with shares requests a percentage of them
        (`offset` % 100 + 1) instead, up to 10 minutes later, to redeem in a later step.

        The rule with the fewest arguments: Hypothesis draws it most (and alone in its simplest runs),
        so it is the one that always makes progress."""
        i = self._choose(index, lambda k: self.m.live(k, self.now + 1))
        if i is None:
            i = self._choose(index, lambda k: self.m.shares[k] > 0)
            if i is not None:
                at = self.now + 1 + offset % (10 * MINUTE)
                self._request(i, max(1, self.m.shares[i] * (1 + offset % 100) // 100), at)
            return
        r = self.m.requests[i]
        at = max(self.now + 1, r.claimable_at + offset % (r.expires_at - r.claimable_at))
        self._redeem(i, r.shares, at)

    @rule(
        index=indices,
        when=st.sampled_from(["claimable", "last_second", "early", "expires", "expired", "now"]),
        offset=st.integers(0, 2**32),
        wrong=st.booleans(),
        stray=st.booleans(),
        gap=gaps,
    )
    def staker_redeems_at_an_edge(self, index, when, offset, wrong, stray, gap):
        """A staker with a live request (`stray`: whoever `index` is) redeems at the first or the last
        second of its window, before the cooldown ends, as the window closes or after, or now; `wrong`:
        one share off."""
        if not stray:
            index = self._choose(index, lambda k: self.m.live(k, self.now + 1))
            if index is None:
                return
        r = self.m.requests[index]
        at = self.now + gap
        if r is not None:
            at = max(
                self.now + 1,
                {
                    "claimable": r.claimable_at,
                    "last_second": r.expires_at - 1,
                    "early": r.claimable_at - 1 - offset % DAY,
                    "expires": r.expires_at,
                    "expired": r.expires_at + offset % DAY,
                    "now": at,
                }[when],
            )
        requested = r.shares if r is not None else max(self.m.shares[index], 1)
        shares = requested + (1 if offset % 2 or requested == 1 else -1) if wrong else requested
        self._redeem(index, shares, at)

    @rule(index=indices, fraction=st.integers(1, 100), over=st.booleans(), stray=st.booleans(), gap=gaps)
    def staker_transfers_shares(self, index, fraction, over, stray, gap):
        """A percentage of the unlocked shares, to the next staker or the one after (by the gap's
        parity); `over`: some locked ones too; `stray`: whoever `index` is."""
        at = self.now + gap
        if not stray:
            index = self._choose(index, lambda k: self.m.shares[k] > self.m.locked(k, at))
            if index is None:
                return
        balance, locked = self.m.shares[index], self.m.locked(index, at)
        free = balance - locked
        if balance == 0:
            return
        if (over and locked) or free == 0:
            amount = free + 1 + (fraction - 1) * (locked - 1) // 99  # free < amount <= balance
        else:
            amount = max(1, free * fraction // 100)
        receiver = (index + 1 + gap % 2) % STAKERS
        owner, to = self.owners[index], self.owners[receiver]
        rejection = self.m.transfer_rejection(index, amount, at)
        receipt = self._send(at, rejection, self.fund.transfer, to, amount, sender=owner)
        if receipt is None:
            return
        moved = receipt.event("Transfer")  # shares only: no token moves
        assert (moved["from"], moved["to"], moved["value"]) == (owner, to, amount)
        self._flows(receipt, [], [])
        self.m.apply_transfer(index, receiver, amount)

    @rule(
        size=st.sampled_from(["small", "small", "large", "beyond_balance", "zero"]),
        seed=st.integers(0, 2**96),
        gap=st.integers(1, BUCKET_SECONDS),
    )
    def engine_covers(self, size, seed, gap):
        """Up to 300 tokens, 300..2500 (the cap is 1000 a day), more than the fund holds, or nothing
        (InsuranceFundZeroAmount), up to a bucket after the last transaction."""
        unit = self.unit
        amount = {
            "small": 1 + seed % (300 * unit),
            "large": 300 * unit + seed % (2_200 * unit),
            "beyond_balance": self.m.balance + 1 + seed % (10 * unit),
            "zero": 0,
        }[size]
        self._cover(amount, self.now + gap)

    @rule(
        kind=st.sampled_from(["cover", "redeem"]),
        tokens=st.integers(1, 2_000),
        index=indices,
        offset=st.integers(0, 2**32),
        gap=gaps,
    )
    def stranger_tries_to_take_assets(self, kind, tokens, index, offset, gap):
        """An unregistered account covers, or redeems a staker's request (in its window) to itself."""
        stranger = self.stranger
        index = self._choose(index, lambda k: self.m.live(k, self.now + 1))
        r = None if index is None else self.m.requests[index]
        if kind == "redeem" and r is not None:
            at = max(self.now + 1, r.claimable_at + offset % (r.expires_at - r.claimable_at))
            rejection = Rejection(
                "ERC20InsufficientAllowance", {"spender": stranger, "allowance": 0, "needed": r.shares}
            )
            self._send(
                at, rejection, self.fund.redeem, r.shares, stranger, self.owners[index], sender=stranger
            )
        else:
            rejection = Rejection("InsuranceFundNotEngine", {"caller": stranger})
            self._send(self.now + gap, rejection, self.fund.cover, tokens * self.unit, sender=stranger)

    @rule(tokens=st.integers(1, 200), dust=dusts, nothing=st.booleans(), gap=gaps)
    def engine_pays_revenue(self, tokens, dust, nothing, gap):
        """Up to 200 tokens, or nothing (InsuranceFundZeroAmount)."""
        self._revenue(0 if nothing else self._amount(tokens, dust), self.now + gap)

    @precondition(lambda self: self.m.supply > 0 and self.m.balance > 0)
    @rule(
        leave=st.sampled_from(["nothing", "nothing", "open_edge", "depleted_edge"]),
        cleared=st.booleans(),
        gap=gaps,
    )
    def engine_drains_the_fund(self, leave, cleared, gap):
        """The engine covers the balance while shares are outstanding, down to nothing, to the least
        balance at which deposits stay open, or to one unit below it (depleted); one cover per cleared
        outflow tally (27 hours apart) while the cap binds. `cleared`: wait for a cleared tally first
        anyway."""
        edge = self.m.open_balance()
        target = {"nothing": 0, "open_edge": edge, "depleted_edge": max(edge - 1, 0)}[leave]
        self._drain(target, self.now + gap, cleared)

    @precondition(lambda self: self.m.depleted())
    @rule(
        index=indices,
        extra=st.one_of(st.just(0), st.integers(1, 500)),
        tokens=st.integers(1, 3_000),
        dust=dusts,
        gap=gaps,
    )
    def fund_is_recapitalised(self, index, extra, tokens, dust, gap):
        """A depleted fund is recapitalised: the engine pays the least revenue that reopens deposits
        (`extra` = 0) or that plus up to 500 tokens (the revenue is the existing stakers'); then a
        staker deposits 1..3000 tokens."""
        amount = self.m.open_balance() - self.m.balance + (self._amount(extra, dust) if extra else 0)
        self._revenue(amount, self.now + gap)
        assert not self.m.depleted()
        self._deposit(index, self._amount(tokens, dust), self.now + 1)

    @rule(large=st.booleans(), tokens=st.integers(1, 2_000), dust=dusts, gap=gaps)
    def donor_sends_tokens(self, large, tokens, dust, gap):
        """Up to 10 tokens, or up to 2,000 (the share price jumps)."""
        self._donate(self._amount(tokens if large else 1 + tokens % 10, dust), self.now + gap)

    @rule(
        span=st.sampled_from(["hours", "hours", "tally_edge", "request_edge", *JUMPS]),
        seconds=st.integers(1, 6 * HOUR),
        delta=st.integers(-HOUR, HOUR),
    )
    def time_passes(self, span, seconds, delta):
        """Up to 6 hours; about a bucket, the outflow window, a cooldown or a redeem window (+-
        `delta`); or to an edge, exactly (`delta` >= 0) or a second before: when the oldest payout in
        the tally leaves it, or when a live request matures or (if it has, or `seconds` is odd)
        expires."""
        edge = None
        if span == "tally_edge":
            edge = self.m.tally_edge(self.now)
        elif span == "request_edge":
            i = self._choose(seconds // 2 % STAKERS, lambda k: self.m.live(k, self.now + 1))
            if i is not None:
                r = self.m.requests[i]
                matures = self.now < r.claimable_at and seconds % 2 == 0
                edge = r.claimable_at if matures else r.expires_at
        if span in JUMPS:
            to = self.now + JUMPS[span] + delta
        elif edge is not None:
            to = edge - (delta < 0)
        else:
            to = self.now + seconds
        self._warp(max(to, self.now + 1))

    # ------------------------------------------------------------ invariants

    @invariant()
    def fnd_01_fnd_02_the_balance_moves_only_as_expected(self):
        assert self.chain.timestamp == self.now
        balance = self._view("balance")
        assert self._view("totalAssets") == balance == self.m.balance, FND_01
        # what left the fund since the last check went to the covering engine or a redeeming staker
        assert self.checked_balance - balance == self.step_out - self.step_in, FND_02
        self.checked_balance, self.step_out, self.step_in = balance, 0, 0

    @invariant()
    def shares_match_the_model(self):
        assert self._view("totalSupply") == self.m.supply == sum(self.m.shares)
        assert [self._view(("balanceOf", i)) for i in range(STAKERS)] == self.m.shares

    @invariant()
    def fnd_03_requests_and_redemptions(self):
        now, m = self.now, self.m
        for i in range(STAKERS):
            r = m.requests[i]
            assert tuple(self._view(("redeemRequest", i))) == (EMPTY_REQUEST if r is None else tuple(r))
            assert self._view(("lockedShares", i)) == m.locked(i, now)
            assert self._view(("maxRedeem", i)) == m.max_redeem(i, now), FND_03
            assert self._view(("claimableAssets", i)) == m.claimable(i, now), FND_03
        for redemption in m.redemptions:
            r = redemption.request
            assert r.claimable_at <= redemption.at < r.expires_at, FND_03
            assert redemption.paid == min(r.assets, redemption.value) <= r.assets, FND_03

    @invariant()
    def fnd_05_every_staker_can_exit(self):
        """Every staker's exit, run inside one snapshot that is then reverted: a staker without a live
        request requests all its shares (a transaction, which returns their value now: the most a
        redemption may pay) and, a cooldown later, redeems them; a staker with a live request (which
        holds shares its owner still has) redeems it now if it is open, else the second it matures.
        Each redemption is a call (it changes nothing, so no exit affects another's price) and returns
        min(value at request, value now): nothing else happens in between, so the price is today's."""
        m, now, fund = self.m, self.now, self.fund
        due: dict[int, list[tuple[int, Request]]] = {}  # block time -> the redemptions to try then
        snapshot = self.chain.snapshot()
        try:
            for i, owner in enumerate(self.owners):
                r, shares = m.requests[i], m.shares[i]
                if m.live(i, now):
                    assert r.shares <= shares, FND_05
                elif shares:
                    receipt = fund.requestRedeem.attempt(shares, sender=owner, output=True)
                    assert receipt.status, f"{FND_05}: {receipt.error}"
                    assert fund.abi.function("requestRedeem").decode(receipt.output) == m.value(shares), (
                        FND_05
                    )
                    r = m.new_request(shares, now)
                else:
                    continue
                due.setdefault(max(now, r.claimable_at), []).append((i, r))
            for at in sorted(due):
                if at > self.chain.timestamp:
                    self.chain.warp(at)
                for i, r in due[at]:
                    owner = self.owners[i]
                    try:
                        paid = fund.redeem(r.shares, owner, owner, sender=owner)
                    except Reverted as failure:
                        raise AssertionError(f"{FND_05}: {failure.error}") from None
                    assert paid == min(r.assets, m.value(r.shares)), FND_05
        finally:
            self.chain.revert(snapshot)

    @invariant()
    def deposits_are_refused_exactly_while_depleted(self):
        """maxDeposit and maxMint are 0 exactly while the fund is depleted, and the supply never exceeds
        MAX_SHARES_PER_ASSET shares per unit ever deposited."""
        assert self.m.supply <= MAX_SHARES_PER_ASSET * self.m.deposited
        expected = 0 if self.m.depleted() else MAX_UINT
        assert self._view("maxDeposit") == self._view("maxMint") == expected

    @invariant()
    def fnd_04_cover_stays_within_the_cap(self):
        assert self.m.window_within_cap(), FND_04
        used = self.m.used(self.now)
        assert self._view("outflowUsed") == used, FND_04
        assert self._view("outflowAllowance") == max(self.m.cap - used, 0), FND_04


class FundMachine6(FundMachine):
    """Over a 6-decimal token. (Each subclass has its own `deploy`: the lane keys deployments by the
    `deploy` function, so one shared function would give both machines the same world.)"""

    decimals = 6

    @classmethod
    def deploy(cls, chain):
        return deploy_fund_world(chain, 6)


class FundMachine18(FundMachine):
    """Over an 18-decimal token (see FundMachine6)."""

    decimals = 18

    @classmethod
    def deploy(cls, chain):
        return deploy_fund_world(chain, 18)
