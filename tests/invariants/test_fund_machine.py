"""FundMachine (bulwark/fuzz/machines/fund.py) over a 6- and an 18-decimal token, on revm at the
profile's volume and on Anvil at a slice: FND-01..FND-05 after every step."""

from bulwark.fuzz.machines.fund import FundMachine6, FundMachine18
from bulwark.fuzz.profiles import machine_settings

<<<<<<< HEAD
from __future__ import annotations

from typing import NamedTuple

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bulwark.invariants import FND_01, FND_02, FND_03, FND_04, FND_05
from bulwark.units import DAY, HOUR, MINUTE
from tests.helpers import event, reverts
from tests.unit.fund.conftest import (  # noqa: F401  (fixtures this test requests)
    BUCKET_SECONDS,
    DECIMALS_OFFSET,
    MAX_SHARES_PER_ASSET,
    OUTFLOW_BUCKETS,
    OUTFLOW_WINDOW,
    PARAMS,
    FundHelper,
    engine,
    fund,
    stakers,
)

VIRTUAL_SHARES = 10**DECIMALS_OFFSET
STAKERS = 3
MAX_REJECTED = 2  # rejected transactions per run: each costs Ape ~0.4 s, an accepted one ~0.07 s
DRAIN_COVERS = 10  # most covers one drain makes (one per cleared outflow tally once the cap binds)
MAX_UINT = 2**256 - 1
JUMPS = {  # all longer than an hour
    "bucket": BUCKET_SECONDS,
    "outflow_window": OUTFLOW_WINDOW,
    "cooldown": PARAMS.cooldown,
    "redeem_window": PARAMS.redeemWindow,
}

gaps = st.integers(1, 10 * MINUTE)  # between one transaction and the next
indices = st.integers(0, STAKERS - 1)
dusts = st.integers(0, 10**18 - 1)  # sub-token amounts, reduced modulo one token


def one_in(n: int):
    """True once in `n` draws (False is the simplest example, so shrinking leaves the rare path)."""
    return st.integers(0, n - 1).map(lambda k: k == n - 1)


class Request(NamedTuple):
    """IInsuranceFund.RedeemRequest."""

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


def test_fund_state_machine(fund, token, engine, stakers, chain, stranger, accounts):  # noqa: F811
    """FND-01..FND-05 hold after every step of random staking, redemption, cover, drains,
    recapitalisation, revenue, donations and time jumps; every transaction's outcome matches the model
    exactly."""
    helper = FundHelper(fund, token, chain)
    unit = helper.unit
    cap = PARAMS.maxOutflow * unit
    owners = [s.address for s in stakers]
    donor = accounts[8]  # no role: sends tokens to the fund without calling it
    token.mint(donor, 10**9 * unit, sender=donor)
    assert token.balanceOf(fund) == fund.totalSupply() == 0

    class FundMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = helper.now  # every transaction and mined block is later
            self.balance, self.supply = 0, 0
            self.deposited = 0  # every unit deposits ever brought in (the supply's bound)
            self.shares = [0] * STAKERS
            self.requests: list[Request | None] = [None] * STAKERS  # as stored (possibly expired)
            self.outflows: list[tuple[int, int]] = []  # (block time, paid) of every cover that paid
            self.redemptions: list[Redemption] = []
            # FND-02: the fund's balance at the last check, and what the step since was expected to move
            self.checked_balance = 0
            self.step_out, self.step_in = 0, 0
            self.touched: set[int] = set()  # stakers whose shares may have changed since the last check
            # what the time-dependent views were last checked against (they only change with it)
            self.requests_seen: list[tuple] = [(None, None, None)] * STAKERS  # no request
            self.tally_seen: tuple[int, int] | None = None
            self.exits_seen: list[tuple | None] = [None] * STAKERS
            self.depleted_seen: bool | None = None
            self.rejected = 0
            self.stranger_tried = False  # once a run: the attempt always reverts

        def teardown(self):
            chain.restore(self.snapshot)

        # ------------------------------------------------------------ model

        def _value(self, shares: int) -> int:
            """_convertToAssets(shares, Floor)."""
            return shares * (self.balance + 1) // (self.supply + VIRTUAL_SHARES)

        def _minted(self, received: int) -> int:
            """deposit: shares for `received`, priced on the balance before it arrived."""
            return received * (self.supply + VIRTUAL_SHARES) // (self.balance + 1)

        def _depleted(self) -> bool:
            """Deposits are refused: one unit would mint more than MAX_SHARES_PER_ASSET shares."""
            return self.supply + VIRTUAL_SHARES > MAX_SHARES_PER_ASSET * (self.balance + 1)

        def _open_balance(self) -> int:
            """The least balance at which deposits are open with the current supply."""
            return -(-(self.supply + VIRTUAL_SHARES) // MAX_SHARES_PER_ASSET) - 1

        def _smallest_deposit(self) -> int:
            """The least deposit that mints a share."""
            return -(-(self.balance + 1) // (self.supply + VIRTUAL_SHARES))

        def _used(self, at: int) -> int:
            """outflowUsed at `at`: cover paid in buckets b - OUTFLOW_BUCKETS .. b."""
            first = at // BUCKET_SECONDS - OUTFLOW_BUCKETS
            return sum(paid for t, paid in self.outflows if t // BUCKET_SECONDS >= first)

        def _tally_edge(self) -> int | None:
            """When the oldest payout counted now leaves the tally (OUTFLOW_BUCKETS + 1 buckets)."""
            first = self.now // BUCKET_SECONDS - OUTFLOW_BUCKETS
            counted = [t for t, _ in self.outflows if t // BUCKET_SECONDS >= first]
            return (
                (min(counted) // BUCKET_SECONDS + OUTFLOW_BUCKETS + 1) * BUCKET_SECONDS if counted else None
            )

        def _allowance(self, at: int) -> int:
            return max(cap - self._used(at), 0)

        def _live(self, i: int, at: int) -> bool:
            r = self.requests[i]
            return r is not None and at < r.expires_at

        def _open(self, i: int, at: int) -> bool:
            r = self.requests[i]
            return r is not None and r.claimable_at <= at < r.expires_at

        def _locked(self, i: int, at: int) -> int:
            return self.requests[i].shares if self._live(i, at) else 0

        def _choose(self, index: int, suitable) -> int | None:
            """The first staker from `index` on for whom `suitable` holds, if any."""
            for k in range(STAKERS):
                i = (index + k) % STAKERS
                if suitable(i):
                    return i
            return None

        def _anyone_staked(self) -> bool:
            return any(self.shares)

        def _anyone_requesting(self) -> bool:
            """Someone's request is live (a transaction one second from now still sees it)."""
            return any(self._live(i, self.now + 1) for i in range(STAKERS))

        def _amount(self, tokens: int, dust: int) -> int:
            return tokens * unit + dust % unit

        # ------------------------------------------------------------ transactions

        def _at(self, at: int) -> int:
            """The next transaction lands at `at` (mined even if it reverts: `at` is spent)."""
            assert at > self.now
            self.now = at
            return helper.at(at)

        def _reject(self, at: int, error, inputs: dict, send) -> None:
            self._at(at)
            with reverts(error, **inputs):
                send()
            self.rejected += 1

        def _flows(self, receipt, out: list[tuple[str, int]], into: list[tuple[str, int]]) -> None:
            """FND-02: the token transfers out of the fund are exactly `out` (to the engine covering, or
            to the staker redeeming) and those into it exactly `into`."""
            transfers = [e for e in receipt.events if e.contract_address == token.address]
            fund_address = fund.address
            moved_out = [(e.to, e.value) for e in transfers if e["from"] == fund_address]
            moved_in = [(e["from"], e.value) for e in transfers if e.to == fund_address]
            assert moved_out == out, FND_02
            assert moved_in == into
            self.step_out += sum(amount for _, amount in out)
            self.step_in += sum(amount for _, amount in into)

        def _deposit(self, i: int, amount: int, at: int) -> None:
            if self._depleted():
                if self.rejected < MAX_REJECTED:
                    error = fund.InsuranceFundDepleted
                    inputs = {"totalAssets": self.balance, "totalSupply": self.supply}
                    send = lambda: fund.deposit(amount, owners[i], sender=stakers[i])  # noqa: E731
                    self._reject(at, error, inputs, send)
                return
            minted = self._minted(amount)
            if minted == 0:
                error, inputs = fund.InsuranceFundZeroShares, {"assets": amount, "received": amount}
                self._reject(at, error, inputs, lambda: fund.deposit(amount, owners[i], sender=stakers[i]))
                return
            self._at(at)
            receipt = fund.deposit(amount, owners[i], sender=stakers[i])
            deposited = event(receipt, "Deposit")
            assert (deposited.owner, deposited.assets, deposited.shares) == (owners[i], amount, minted)
            self._flows(receipt, [], [(owners[i], amount)])
            self.balance += amount
            self.supply += minted
            self.deposited += amount
            self.shares[i] += minted
            self.touched.add(i)

        def _request(self, i: int, shares: int, at: int) -> None:
            balance, owner, live = self.shares[i], owners[i], self.requests[i]
            if self._live(i, at) or shares > balance:
                if self.rejected >= MAX_REJECTED:
                    return
                if self._live(i, at):
                    error = fund.InsuranceFundRequestPending
                    inputs = {"owner": owner, "shares": live.shares, "expiresAt": live.expires_at}
                else:
                    error = fund.InsuranceFundSharesLocked
                    inputs = {"owner": owner, "shares": shares, "balance": balance, "locked": 0}
                self._reject(at, error, inputs, lambda: fund.requestRedeem(shares, sender=stakers[i]))
                return
            self._at(at)
            receipt = fund.requestRedeem(shares, sender=stakers[i])
            claimable_at = at + PARAMS.cooldown
            request = Request(shares, self._value(shares), claimable_at, claimable_at + PARAMS.redeemWindow)
            requested = event(receipt, "RedeemRequested")
            assert (requested.owner, requested.shares, requested.assets) == (owner, shares, request.assets)
            assert (requested.claimableAt, requested.expiresAt) == request[2:]
            assert tuple(fund.redeemRequest(owner)) == request
            self._flows(receipt, [], [])
            self.requests[i] = request

        def _redeem(self, i: int, shares: int, at: int) -> None:
            """`i` redeems `shares` (to itself) at `at`."""
            owner, r = owners[i], self.requests[i]
            if r is None:
                error, inputs = fund.InsuranceFundCooldownRequired, {"owner": owner}
            elif at < r.claimable_at:
                error = fund.InsuranceFundCooldownActive
                inputs = {"owner": owner, "timestamp": at, "claimableAt": r.claimable_at}
            elif at >= r.expires_at:
                error, inputs = fund.InsuranceFundRequestExpired, {"owner": owner, "expiresAt": r.expires_at}
            elif shares != r.shares:
                error = fund.InsuranceFundRedeemMismatch
                inputs = {"owner": owner, "shares": shares, "requested": r.shares}
            else:
                error = None
            if error is not None:
                if self.rejected < MAX_REJECTED:
                    send = lambda: fund.redeem(shares, owner, owner, sender=stakers[i])  # noqa: E731
                    self._reject(at, error, inputs, send)
                return
            value = self._value(shares)
            paid = min(r.assets, value)
            self._at(at)
            receipt = fund.redeem(shares, owner, owner, sender=stakers[i])
            claimed = event(receipt, "RedeemClaimed")
            assert (claimed.owner, claimed.shares, claimed.requestedAssets) == (owner, shares, r.assets)
            assert claimed.paid == paid, FND_03
            self.redemptions.append(Redemption(at, r, claimed.paid, value))
            self._flows(receipt, [(owner, paid)], [])
            self.balance -= paid
            self.supply -= shares
            self.shares[i] -= shares
            self.requests[i] = None
            self.touched.add(i)

        def _cover(self, amount: int, at: int) -> None:
            """The engine asks for `amount` at `at`: paid min(amount, balance, outflow allowance)."""
            self._at(at)
            allowance = self._allowance(at)
            paid = min(amount, self.balance, allowance)
            receipt = fund.cover(amount, sender=engine)
            covered = event(receipt, "Covered")
            assert (covered.engine, covered.requested, covered.paid) == (engine.address, amount, paid), FND_04
            shortfalls = [e for e in receipt.events if e.event_name == "Shortfall"]
            if paid < amount:
                (short,) = shortfalls
                assert (short.engine, short.unpaid) == (engine.address, amount - paid)
                assert (short.balance, short.allowance) == (self.balance, allowance), FND_04
            else:
                assert not shortfalls
            self._flows(receipt, [(engine.address, paid)] if paid else [], [])
            if paid:
                self.outflows.append((at, covered.paid))
                self.balance -= paid

        def _revenue(self, amount: int, at: int) -> None:
            self._at(at)
            receipt = fund.addRevenue(amount, sender=engine)
            revenue = event(receipt, "RevenueReceived")
            assert (revenue.payer, revenue.amount, revenue.received) == (engine.address, amount, amount)
            self._flows(receipt, [], [(engine.address, amount)])
            self.balance += amount

        def _drain(self, target: int, at: int, cleared: bool = False) -> None:
            """The engine covers the balance down to `target`, from `at` on: one cover if the allowance
            holds it, else one per cleared outflow tally, at most DRAIN_COVERS; `cleared`: wait for a
            cleared tally first anyway."""
            for k in range(DRAIN_COVERS):
                if self.balance <= target:
                    return
                if (cleared and k == 0) or self._allowance(at) < self.balance - target:
                    at = max(at, (self.now // BUCKET_SECONDS + OUTFLOW_BUCKETS + 1) * BUCKET_SECONDS)
                self._cover(self.balance - target, at)
                at = self.now + 1

        def _donate(self, amount: int, at: int) -> None:
            self._at(at)
            receipt = token.transfer(fund, amount, sender=donor)
            self._flows(receipt, [], [(donor.address, amount)])
            self.balance += amount

        # ------------------------------------------------------------ rules

        @initialize(
            scenario=st.sampled_from(["stakers", "donation_first", "inflation"]),
            deposits=st.lists(st.integers(0, 3_000), min_size=STAKERS, max_size=STAKERS),
            requests=st.lists(st.one_of(st.just(0), st.integers(1, 100)), min_size=STAKERS, max_size=STAKERS),
            donation=st.integers(1, 2_000),
            loss=st.one_of(st.just(0), st.integers(1, 1_000)),
            drained=one_in(3),
            dust=dusts,
        )
        def stakers_join(self, scenario, deposits, requests, donation, loss, drained, dust):
            """Stakers deposit 0..3000 tokens each; or a donation lands before any deposit; or the
            classic inflation attempt: staker 0 deposits one unit and a donation follows. About half
            the stakers then request to redeem a percentage of their shares, and in about half the runs
            the engine then draws cover, so those requests are worth more than their shares are now;
            in about a third (`drained`) it then drains the fund, so the run starts depleted."""
            if scenario == "inflation":
                self._deposit(0, 1, self.now + 1)
            if scenario != "stakers":
                self._donate(self._amount(donation, dust), self.now + 1)
            for i, tokens in enumerate(deposits):
                if tokens:
                    self._deposit(i, self._amount(tokens, dust), self.now + 1)
            for i, percent in enumerate(requests):
                if percent and self.shares[i]:
                    self._request(i, max(1, self.shares[i] * percent // 100), self.now + 1)
            if loss:
                self._cover(self._amount(loss, dust), self.now + 1)
            if drained and self.supply:
                self._drain(0, self.now + 1)

        @rule(
            index=indices,
            tiny=one_in(4),
            tokens=st.integers(1, 10_000),
            dust=dusts,
            gap=gaps,
        )
        def staker_deposits(self, index, tiny, tokens, dust, gap):
            """`tiny`: 0..2x the least amount that mints a share, so about half mint none."""
            amount = self._amount(tokens, dust)
            if tiny:
                amount = dust % (2 * self._smallest_deposit())
                if self._minted(amount) == 0 and self.rejected >= MAX_REJECTED:
                    amount = self._smallest_deposit()
            self._deposit(index, amount, self.now + gap)

        @precondition(lambda self: self._anyone_staked())
        @rule(index=indices, fraction=st.integers(1, 100), over=one_in(8), stray=one_in(6), gap=gaps)
        def staker_requests_redeem(self, index, fraction, over, stray, gap):
            """A percentage of the balance, by a staker with shares and no live request; `over`: more
            than the balance; `stray`: whoever `index` is (no shares, or a live request)."""
            at = self.now + gap
            if not stray:
                index = self._choose(index, lambda k: self.shares[k] > 0 and not self._live(k, at))
                if index is None:
                    return
            balance = self.shares[index]
            self._request(index, balance + fraction if over else max(1, balance * fraction // 100), at)

        @precondition(lambda self: self._anyone_requesting())
        @rule(index=indices, stray=one_in(6), gap=gaps)
        def staker_cancels_redeem(self, index, stray, gap):
            """A staker with a live request; `stray`: whoever `index` is."""
            at = self.now + gap
            if not stray:
                index = self._choose(index, lambda k: self._live(k, at))
                if index is None:
                    return
            owner = owners[index]
            if not self._live(index, at):
                if self.rejected >= MAX_REJECTED:
                    return
                error, inputs = fund.InsuranceFundCooldownRequired, {"owner": owner}
                self._reject(at, error, inputs, lambda: fund.cancelRedeem(sender=stakers[index]))
                return
            self._at(at)
            receipt = fund.cancelRedeem(sender=stakers[index])
            cancelled = event(receipt, "RedeemCancelled")
            assert (cancelled.owner, cancelled.shares) == (owner, self.requests[index].shares)
            self._flows(receipt, [], [])
            self.requests[index] = None

        @precondition(lambda self: self._anyone_staked())
        @rule(index=indices, offset=st.integers(0, 2**32))
        def staker_redeems_in_its_window(self, index, offset):
            """A staker with a live request redeems it at a random time in its window (now, if that is
            already open). If nobody has a live request, one with shares requests a percentage of them
            (`offset` % 100 + 1) instead, up to 10 minutes later, to redeem in a later step.

            The rule with the fewest arguments: Hypothesis draws it most (and alone in its simplest
            runs), so it is the one that always makes progress."""
            i = self._choose(index, lambda k: self._live(k, self.now + 1))
            if i is None:
                i = self._choose(index, lambda k: self.shares[k] > 0)
                if i is not None:
                    at = self.now + 1 + offset % (10 * MINUTE)
                    self._request(i, max(1, self.shares[i] * (1 + offset % 100) // 100), at)
                return
            r = self.requests[i]
            at = max(self.now + 1, r.claimable_at + offset % (r.expires_at - r.claimable_at))
            self._redeem(i, r.shares, at)

        @precondition(lambda self: self._anyone_requesting())
        @rule(
            index=indices,
            when=st.sampled_from(["claimable", "last_second", "early", "expires", "expired", "now"]),
            offset=st.integers(0, 2**32),
            wrong=one_in(4),
            stray=one_in(4),
            gap=gaps,
        )
        def staker_redeems_at_an_edge(self, index, when, offset, wrong, stray, gap):
            """A staker with a live request (`stray`: whoever `index` is) redeems at the first or the
            last second of its window, before the cooldown ends, as the window closes or after, or now;
            `wrong`: one share off."""
            if not stray:
                index = self._choose(index, lambda k: self._live(k, self.now + 1))
                if index is None:
                    return
            r = self.requests[index]
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
            requested = r.shares if r is not None else max(self.shares[index], 1)
            self._redeem(
                index, requested + (1 if offset % 2 or requested == 1 else -1) if wrong else requested, at
            )

        @precondition(lambda self: self._anyone_staked())
        @rule(
            index=indices,
            fraction=st.integers(1, 100),
            over=one_in(6),
            stray=one_in(6),
            gap=gaps,
        )
        def staker_transfers_shares(self, index, fraction, over, stray, gap):
            """A percentage of the unlocked shares, to the next staker or the one after (by the gap's
            parity); `over`: some locked ones too."""
            at = self.now + gap
            if not stray:
                index = self._choose(index, lambda k: self.shares[k] > self._locked(k, at))
                if index is None:
                    return
            balance, locked = self.shares[index], self._locked(index, at)
            free = balance - locked
            if balance == 0:
                return
            if (over and locked) or free == 0:
                amount = free + 1 + (fraction - 1) * (locked - 1) // 99  # free < amount <= balance
            else:
                amount = max(1, free * fraction // 100)
            receiver = (index + 1 + gap % 2) % STAKERS
            owner = owners[index]
            if amount > free:
                if self.rejected >= MAX_REJECTED:
                    return
                error = fund.InsuranceFundSharesLocked
                inputs = {"owner": owner, "shares": amount, "balance": balance, "locked": locked}
                send = lambda: fund.transfer(owners[receiver], amount, sender=stakers[index])  # noqa: E731
                self._reject(at, error, inputs, send)
                return
            self._at(at)
            receipt = fund.transfer(owners[receiver], amount, sender=stakers[index])
            moved = event(receipt, "Transfer")  # shares only: no token moves
            assert (moved["from"], moved.to, moved.value) == (owner, owners[receiver], amount)
            self._flows(receipt, [], [])
            self.shares[index] -= amount
            self.shares[receiver] += amount
            self.touched |= {index, receiver}

        @rule(
            size=st.sampled_from(["small", "small", "large", "beyond_balance"]),
            seed=st.integers(0, 2**96),
            gap=st.integers(1, BUCKET_SECONDS),
        )
        def engine_covers(self, size, seed, gap):
            """Up to 300 tokens, 300..2500 (the cap is 1000 a day), or more than the fund holds, up to a
            bucket after the last transaction."""
            amount = {
                "small": 1 + seed % (300 * unit),
                "large": 300 * unit + seed % (2_200 * unit),
                "beyond_balance": self.balance + 1 + seed % (10 * unit),
            }[size]
            self._cover(amount, self.now + gap)

        @precondition(lambda self: not self.stranger_tried and self.rejected < MAX_REJECTED)
        @rule(
            kind=st.sampled_from(["cover", "redeem"]),
            tokens=st.integers(1, 2_000),
            index=indices,
            offset=st.integers(0, 2**32),
            gap=gaps,
        )
        def stranger_tries_to_take_assets(self, kind, tokens, index, offset, gap):
            """An unregistered account covers, or redeems a staker's request (in its window) to itself."""
            self.stranger_tried = True
            index = self._choose(index, lambda k: self._live(k, self.now + 1))
            r = None if index is None else self.requests[index]
            if kind == "redeem" and r is not None:
                at = max(self.now + 1, r.claimable_at + offset % (r.expires_at - r.claimable_at))
                error = fund.ERC20InsufficientAllowance
                inputs = {"spender": stranger.address, "allowance": 0, "needed": r.shares}
                send = lambda: fund.redeem(r.shares, stranger, owners[index], sender=stranger)  # noqa: E731
            else:
                at, amount = self.now + gap, tokens * unit
                error, inputs = fund.InsuranceFundNotEngine, {"caller": stranger.address}
                send = lambda: fund.cover(amount, sender=stranger)  # noqa: E731
            self._reject(at, error, inputs, send)

        @rule(tokens=st.integers(1, 200), dust=dusts, gap=gaps)
        def engine_pays_revenue(self, tokens, dust, gap):
            self._revenue(self._amount(tokens, dust), self.now + gap)

        @precondition(lambda self: self.supply > 0 and self.balance > 0)
        @rule(
            leave=st.sampled_from(["nothing", "nothing", "open_edge", "depleted_edge"]),
            cleared=st.booleans(),
            gap=gaps,
        )
        def engine_drains_the_fund(self, leave, cleared, gap):
            """The engine covers the balance while shares are outstanding, down to nothing, to the least
            balance at which deposits stay open, or to one unit below it (depleted); one cover per
            cleared outflow tally (27 hours apart) while the cap binds. `cleared`: wait for a cleared
            tally first anyway."""
            edge = self._open_balance()
            target = {"nothing": 0, "open_edge": edge, "depleted_edge": max(edge - 1, 0)}[leave]
            self._drain(target, self.now + gap, cleared)

        @precondition(lambda self: self._depleted())
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
            amount = self._open_balance() - self.balance + (self._amount(extra, dust) if extra else 0)
            self._revenue(amount, self.now + gap)
            assert not self._depleted()
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
            `delta`); or to an edge, exactly (`delta` >= 0) or a second before: when the oldest payout
            in the tally leaves it, or when a live request matures or (if it has, or `seconds` is odd)
            expires."""
            edge = None
            if span == "tally_edge":
                edge = self._tally_edge()
            elif span == "request_edge":
                i = self._choose(seconds // 2 % STAKERS, lambda k: self._live(k, self.now + 1))
                if i is not None:
                    r = self.requests[i]
                    matures = self.now < r.claimable_at and seconds % 2 == 0
                    edge = r.claimable_at if matures else r.expires_at
            if span in JUMPS:
                to = self.now + JUMPS[span] + delta
            elif edge is not None:
                to = edge - (delta < 0)
            else:
                to = self.now + seconds
            self.now = max(to, self.now + 1)
            chain.mine(timestamp=self.now)

        # ------------------------------------------------------------ invariants

        @invariant()
        def fnd_01_fnd_02_the_balance_moves_only_as_expected(self):
            assert chain.blocks.head.timestamp == self.now
            balance = token.balanceOf(fund.address)
            assert fund.totalAssets() == balance == self.balance, FND_01
            # what left the fund since the last check went to the covering engine or a redeeming staker
            assert self.checked_balance - balance == self.step_out - self.step_in, FND_02
            self.checked_balance, self.step_out, self.step_in = balance, 0, 0

        @invariant()
        def shares_match_the_model(self):
            if not self.touched:
                return
            assert fund.totalSupply() == self.supply == sum(self.shares)
            for i in self.touched:
                assert fund.balanceOf(owners[i]) == self.shares[i]
            self.touched.clear()

        @invariant()
        def fnd_03_requests_and_redemptions(self):
            for i, r in enumerate(self.requests):
                # the views change with the request, its phase (cooling, open, expired) and, while it is
                # open, the share price
                open_ = self._open(i, self.now)
                phase = None if r is None else (self.now >= r.claimable_at, self.now >= r.expires_at)
                seen = (r, phase, (self.balance, self.supply) if open_ else None)
                if seen == self.requests_seen[i]:
                    continue
                self.requests_seen[i] = seen
                owner = owners[i]
                assert fund.lockedShares(owner) == self._locked(i, self.now)
                assert fund.maxRedeem(owner) == (r.shares if open_ else 0), FND_03
                if open_:
                    assert fund.claimableAssets(owner) == min(r.assets, self._value(r.shares)), FND_03
            for redemption in self.redemptions:
                r = redemption.request
                assert r.claimable_at <= redemption.at < r.expires_at, FND_03
                assert redemption.paid == min(r.assets, redemption.value) <= r.assets, FND_03

        @invariant()
        def fnd_05_every_staker_can_exit(self):
            """Each staker's next exit step, simulated with an eth_call at the head block (no transaction),
            where it is the same one second later: with no live request, a request for all its shares
            returns their value now (the most a redemption may pay, FND-03); with an open request,
            redeeming it returns min(value at request, value now); a request still cooling holds shares
            its owner still has. Re-simulated only when the staker's shares, its request's phase or the
            share price changed."""
            times = (self.now, self.now + 1)
            for i in range(STAKERS):
                r = self.requests[i]
                live = tuple(self._live(i, t) for t in times)
                open_ = tuple(self._open(i, t) for t in times)
                seen = (self.shares[i], r, live, open_, self.balance, self.supply)
                if seen == self.exits_seen[i]:
                    continue
                self.exits_seen[i] = seen
                owner = owners[i]
                if open_ == (True, True):
                    paid = fund.redeem.call(r.shares, owner, owner, sender=stakers[i])
                    assert paid == min(r.assets, self._value(r.shares)), FND_05
                elif live == (True, True):
                    assert r.shares <= self.shares[i], FND_05
                elif live == (False, False) and self.shares[i]:
                    value = fund.requestRedeem.call(self.shares[i], sender=stakers[i])
                    assert value == self._value(self.shares[i]), FND_05

        @invariant()
        def deposits_are_refused_exactly_while_depleted(self):
            """maxDeposit and maxMint are 0 exactly while the fund is depleted (re-read when that changes),
            and the supply never exceeds MAX_SHARES_PER_ASSET shares per unit ever deposited."""
            assert self.supply <= MAX_SHARES_PER_ASSET * self.deposited
            depleted = self._depleted()
            if depleted == self.depleted_seen:
                return
            self.depleted_seen = depleted
            expected = 0 if depleted else MAX_UINT
            assert fund.maxDeposit(owners[0]) == fund.maxMint(owners[0]) == expected

        @invariant()
        def fnd_04_cover_stays_within_the_cap(self):
            # the exact rule: in every OUTFLOW_WINDOW ending at a payout (and so at any instant)
            for t, _ in self.outflows:
                window = sum(paid for s, paid in self.outflows if t - OUTFLOW_WINDOW < s <= t)
                assert window <= cap, FND_04
            # the views change with the bucket and with each payout
            seen = (self.now // BUCKET_SECONDS, len(self.outflows))
            if self.outflows and seen != self.tally_seen:
                self.tally_seen = seen
                used = self._used(self.now)
                assert fund.outflowUsed() == used, FND_04
                assert fund.outflowAllowance() == max(cap - used, 0), FND_04

    run_state_machine_as_test(FundMachine)
=======
TestFund6OnRevm = FundMachine6.test_case("revm", machine_settings("revm"))
TestFund18OnRevm = FundMachine18.test_case("revm", machine_settings("revm"))
TestFund6OnAnvil = FundMachine6.test_case("anvil", machine_settings("anvil"))
TestFund18OnAnvil = FundMachine18.test_case("anvil", machine_settings("anvil"))
>>>>>>> port-fund
