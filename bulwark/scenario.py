"""The market crash behind `make demo`, end to end on a suite deployed from params/local.json.

Stakers fund the InsuranceFund; traders deposit and open cross-margined longs against a market maker
through the settlement operator. Reporters' signed pokes walk the first market (ETH/USD) down 2,000 ->
1,880 -> 1,700, where a keeper partially liquidates Alice (ENG-04); then it gaps to 1,400, which trips
the oracle's breaker: liquidations, withdrawals and fills that need the price halt (ENG-06) while a
deposit still goes through (Alice cures her account), and one guardian signer pauses trading at once.
Once the reporters confirm the level `confirmDelay` later, the keeper closes insolvent Bob whole and the
fund covers his bad debt. Then the insurance shares are swept to the fund, the trading pause ends by
itself, the keeper unwinds, and three signers raise the maintenance margin through the timelock, which
the deployment verifier then reports as drift from the parameter file.

Each step prints balances, margin ratios and the invariants it checked; `run_crash` returns the tally.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.console import Console

from bulwark.abi.scopes import EngineScope
from bulwark.deployments import verify_suite
from bulwark.ledger import Tally
from bulwark.market import reported_prices
from bulwark.model.engine import value
from bulwark.signing.approvals import Call, pause_message, schedule_message, sign_all
from bulwark.signing.reports import sign_batch
from bulwark.tables import dec, pct, ratio, wad
from bulwark.units import WAD, to_wad_nearest
from bulwark.walk import Walk

ETH, BTC = 0, 1  # the crashing market and the second one (first two markets of the file)
START = {ETH: 2_000, BTC: 60_000}
PATH = (1_880, 1_700)  # within the breaker's 10% per step
GAP = 1_400  # -17.6%: trips the breaker
SALT = b"\x00" * 32


class ScenarioError(RuntimeError):
    """A premise of the walk does not hold (e.g. other parameters than params/local.json)."""


@dataclass
class Cast:
    staker: object
    maker: object
    alice: object
    bob: object
    keeper: object
    operator: object

    def traders(self) -> list[tuple[str, object]]:
        return [("maker", self.maker), ("alice", self.alice), ("bob", self.bob), ("keeper", self.keeper)]


def cast_from(local_accounts) -> Cast:
    """Anvil accounts 6..11 (0 deploys, 1..5 are the guardian's signers)."""
    if len(local_accounts) < 12:
        raise ScenarioError("the demo needs 12 funded test accounts (test.number_of_accounts)")
    return Cast(*local_accounts[6:12])


class Crash(Walk):
    def __init__(self, project, chain, suite, params, local_accounts, console: Console):
        self.cast = cast_from(local_accounts)
        c = self.cast
        super().__init__(project, chain, suite, console, c.traders(), c.staker, c.operator)
        self.params = params
        self._premises()

    # ------------------------------------------------------------------ premises

    def _premises(self) -> None:
        plan = self.suite.plan
        if len(plan.markets) < 2:
            raise ScenarioError("the demo needs two markets (the crashing one and a second)")
        for m in (ETH, BTC):
            market = plan.markets[m]
            if len(market.reporter_keys) < market.config.quorum:
                raise ScenarioError(f"markets.{m}.oracle: the demo signs with test_reporters keys")
        if not self.suite.signers:
            raise ScenarioError("guardian: the demo signs approvals with anvil_signers keys")
        if self.params.pause.demo_duration is None:  # demo-only, optional in the file
            raise ScenarioError("pause.demo_duration is required by the walk (the pause it shows, in s)")
        confirm = plan.markets[ETH].config.confirmDelay
        if self.params.pause.demo_duration <= confirm + 60:
            raise ScenarioError(
                f"pause.demo_duration must outlast the breaker's confirm_delay {confirm} + 60s"
            )

    # ------------------------------------------------------------------ the walk

    def run(self) -> Tally:
        self.opening()
        self.leaked_keys()
        self.slide()
        self.gap()
        self.confirmation()
        self.aftermath()
        self.post_mortem()
        return self.tally

    def opening(self) -> None:
        c, v, e = self.cast, self.venue, self.engine
        self.step("Opening: prices, stakers, deposits, positions")
        for m in (ETH, BTC):
            self.poke(m, START[m])
        staked = 20_000 * self.unit
        self.token.mint(c.staker, staked, sender=c.staker)
        self.token.approve(self.fund, staked, sender=c.staker)
        self.fund.deposit(staked, c.staker, sender=c.staker)
        self.say(f"staker put {dec(staked, self.unit)} {self.symbol} into the InsuranceFund")
        deposits = {"maker": 100_000, "alice": 750, "bob": 1_650, "keeper": 10_000}
        for who, account in c.traders():
            amount = deposits[who] * self.unit
            self.token.mint(account, amount, sender=account)
            self.token.approve(e, 2**256 - 1, sender=account)
            e.setOperator(c.operator, True, sender=account)
            v.deposit(account, deposits[who])
        self.say(
            "deposits: "
            + ", ".join(f"{w} {dec(deposits[w] * self.unit, self.unit)}" for w in deposits)
            + f" {self.symbol}; each approved the operator"
        )
        trades = [
            (c.alice, "alice", ETH, 2, START[ETH]),
            (c.bob, "bob", ETH, 3, START[ETH]),
            (c.bob, "bob", BTC, 0.02, START[BTC]),
        ]
        for taker, who, market, size, price in trades:
            v.fill(c.maker, taker, market, to_wad_nearest(size), to_wad_nearest(price))
            self.say(f"{who} buys {size} {self.names[market]} at {price:,} from the maker (operator fill)")
            self.margin_ok(who, taker)
            self.margin_ok("maker", c.maker)
        self.books("After the opening fills (cross margin: one equity per account over both markets)")

    def leaked_keys(self) -> None:
        """Two reporter keys leak: the attacker relays them at -9% with the fewest honest reports quorum
        allows. With faultTolerance 2 the median stays within the honest reports (ORA-05)."""
        plan, oracle = self.suite.plan.markets[ETH], self.suite.oracles[ETH]
        f, quorum = plan.config.faultTolerance, plan.config.quorum
        hostile, honest = plan.reporter_keys[:f], plan.reporter_keys[f:quorum]
        self.step(f"{f} of {self.names[ETH]}'s reporter keys leak: the attacker relays a poke")
        at = self.clock.tick()
        live = reported_prices(to_wad_nearest(START[ETH]), len(honest))
        fake = to_wad_nearest(START[ETH]) * 91 // 100
        epoch = oracle.nextEpoch()
        prices = [fake] * len(hostile) + live
        batch = sign_batch(
            [*hostile, *honest], self.chain.chain_id, oracle.address, plan.feed_id, epoch, prices, at
        )
        oracle.poke(epoch, batch, sender=self.cast.keeper)
        served = oracle.latest()[0]
        low, high = wad(min(live)), wad(max(live))
        ok = min(live) <= served <= max(live)
        self.tally.check("ORA-05", ok, f"served {wad(served)} within the honest {low}..{high}")
        self.say(
            f"{f} hostile reports at {wad(fake)} and {len(honest)} honest ones at {low}..{high}: served "
            f"{wad(served)} (quorum {quorum} tolerates {f} hostile keys; {f + 1} would choose the median)"
        )

    def slide(self) -> None:
        c, e = self.cast, self.engine
        # one step per volatility sampling interval: faster updates would not move the estimate (ORA-06)
        interval = self.suite.oracles[ETH].config().volatilityInterval
        path = f"{START[ETH]:,} -> {PATH[0]:,} -> {PATH[1]:,}"
        self.step(f"{self.names[ETH]} slides: {path}, one step every {interval}s")
        self.clock.tick(interval)
        self.poke(ETH, PATH[0])
        self.books(f"{self.names[ETH]} at {PATH[0]:,}: everyone above maintenance")
        self.clock.tick(interval)
        self.poke(ETH, PATH[1])
        alice = self.venue.state(c.alice)
        if alice is None or not 0 < alice.equity < alice.maintenance_margin:
            raise ScenarioError(f"alice should be liquidatable but solvent at {PATH[1]:,} ({alice})")
        self.books(f"{self.names[ETH]} at {PATH[1]:,}: alice below maintenance, volatility lifts every mmr")
        amount = e.maxLiquidation(c.alice, ETH)
        held = e.position(c.alice, ETH)[0]
        before = e.marginRatio(c.alice)
        self.clock.tick()
        receipt = e.liquidate(c.alice, ETH, amount, sender=c.keeper)
        log = next(x for x in receipt.events if x.event_name == "Liquidated")
        after = e.marginRatio(c.alice)
        self.say(
            f"keeper liquidates {wad(amount)} of alice's {wad(held)} {self.names[ETH]} (maxLiquidation) at "
            "index "
            f"{wad(log.price)}: bonus {wad(log.bonus)} to the keeper, insurance share "
            f"{wad(log.insuranceShare)} accrued for the fund ({receipt.gas_used:,} gas)"
        )
        self.tally.check("ENG-04", after >= before, f"alice's ratio {ratio(before)} -> {ratio(after)}")
        self.say(f"alice's margin ratio {ratio(before)} -> {ratio(after)} (ENG-04: never lower)")
        error = self.revert("keeper liquidates bob (healthy)", e.liquidate, c.bob, ETH, 1, sender=c.keeper)
        self.tally.check("ENG-03", error == "MarginEngineNotLiquidatable", "bob above MM is not liquidatable")
        self.margin_ok("keeper", c.keeper)
        self.books("After the partial liquidation")

    def gap(self) -> None:
        c, e = self.cast, self.engine
        self.step(f"{self.names[ETH]} gaps to {GAP:,} ({pct((GAP - PATH[1]) * WAD // PATH[1], 1)})")
        self.poke(ETH, GAP)
        tripped = self.suite.oracles[ETH].breaker()
        self.trip_time = tripped.trippedAt
        bob_cash = e.cash(c.bob)
        held = {m: e.position(c.bob, m)[0] for m in (ETH, BTC)}
        at_candidate = (
            bob_cash + value(held[ETH], to_wad_nearest(GAP)) + value(held[BTC], to_wad_nearest(START[BTC]))
        )
        self.say(
            f"at the candidate {GAP:,} bob's equity would be {wad(at_candidate)} (bulwark.model.engine): "
            "insolvent, but nothing may act on an unconfirmed price"
        )
        halted = [
            self.revert("keeper liquidates bob", e.liquidate, c.bob, ETH, abs(held[ETH]), sender=c.keeper),
            self.revert("bob withdraws 1", e.withdraw, self.unit, c.bob, sender=c.bob),
            self.revert(
                f"bob trades {self.names[BTC]} (his margin needs {self.names[ETH]})",
                e.fill,
                (c.maker, c.bob, BTC, -to_wad_nearest(0.01), to_wad_nearest(START[BTC])),
                sender=c.operator,
            ),
        ]
        self.tally.check(
            "ENG-06",
            all(h == "MedianOracleTripped" for h in halted),
            "liquidation, withdrawal and fill halted while tripped",
        )
        self.token.mint(c.alice, 300 * self.unit, sender=c.alice)
        self.clock.tick()
        e.deposit(300 * self.unit, sender=c.alice)
        self.say("alice deposits 300 to cure her account: deposits never need a price, so it goes through")
        self.pause_trading()
        self.books("Breaker tripped: margin views halt with the price")

    def pause_trading(self) -> None:
        g, c, e = self.suite.guardian, self.cast, self.engine
        signer = self.suite.signers[0]
        self.until = self.clock.now + self.params.pause.demo_duration
        approvals = sign_all(
            [signer.private_key],
            pause_message(e.address, EngineScope.TRADE, self.until),
            self.chain.chain_id,
            g.address,
            self.until,
        )
        self.clock.tick()
        receipt = g.pause(e.address, EngineScope.TRADE, self.until, approvals, sender=c.keeper)
        self.say(
            f"guardian fast path: signer {signer.address[:10]} alone pauses the engine's TRADE scope until "
            f"{self.clock.label(self.until)} (keeper relayed the signature, {receipt.gas_used:,} gas)"
        )
        error = self.revert(
            f"keeper buys {self.names[BTC]} from the maker (a live market)",
            e.fill,
            (c.maker, c.keeper, BTC, to_wad_nearest(0.01), to_wad_nearest(START[BTC])),
            sender=c.operator,
        )
        if error != "GuardedPaused":
            raise ScenarioError(f"a fill during the TRADE pause should be refused, got {error}")

    def confirmation(self) -> None:
        c, e = self.cast, self.engine
        delay = self.suite.oracles[ETH].config().confirmDelay
        self.clock.next_at = max(self.clock.next_at, self.trip_time + delay - 1)
        self.step(
            f"{delay}s (confirmDelay) after the trip the reporters confirm {GAP:,}", self.trip_time + delay
        )
        self.poke(ETH, GAP)
        self.poke(BTC, START[BTC])
        bob = self.venue.state(c.bob)
        if bob is None or bob.equity >= 0:
            raise ScenarioError(f"bob should be insolvent at {GAP:,} ({bob})")
        self.books(f"{self.names[ETH]} at {GAP:,}: bob underwater, alice cured, liquidations resume")
        error = self.revert("keeper liquidates alice", e.liquidate, c.alice, ETH, 1, sender=c.keeper)
        self.tally.check("ENG-03", error == "MarginEngineNotLiquidatable", "alice cured above MM")
        assets_before = self.fund.totalAssets()
        logs = {}
        for m in (BTC, ETH):  # insolvent: each leg goes (here whole) at the index; the fund pays the bonus
            size = abs(e.position(c.bob, m)[0])
            self.clock.tick()
            receipt = e.liquidate(c.bob, m, size, sender=c.keeper)
            logs.update({x.event_name: x for x in receipt.events})
            self.say(
                f"keeper closes bob's {self.names[m]} leg ({wad(size)}) at the index; the fund pays its "
                f"bonus {wad(logs['Liquidated'].bonus)} ({receipt.gas_used:,} gas)"
            )
        bad, shared = logs["BadDebt"], logs.get("LossShared")
        self.say(
            f"[bold]bad debt[/]: bob owes {wad(bad.debt)}, booked to {self.names[bad.market]} where he "
            f"lost; the fund covered {wad(bad.covered)}; shared with the other side "
            f"{wad(shared.amount if shared else 0)}. "
            "Trading is paused, but liquidation is its own scope"
        )
        self.tally.check(
            "ENG-07", bad.market == ETH and bad.covered == bad.debt, "bob's loss owned by the fund"
        )
        self.say(f"fund assets {dec(assets_before, self.unit)} -> {dec(self.fund.totalAssets(), self.unit)}")
        cap = self.fund.params().maxOutflow
        self.tally.check(
            "FND-04", self.fund.outflowUsed() <= cap, f"cover {self.fund.outflowUsed():,} <= cap"
        )
        self.margin_ok("keeper", c.keeper)
        self.books("After the bad debt: every account solvent, nothing absorbed silently")

    def aftermath(self) -> None:
        c, e, v = self.cast, self.engine, self.venue
        self.step("Aftermath: fees to the fund, the pause ends by itself, the keeper unwinds")
        self.clock.tick()
        receipt = e.sweepFees(sender=c.keeper)
        swept = next(x for x in receipt.events if x.event_name == "FeesSwept").amount
        self.say(
            f"sweepFees paid the accrued insurance shares to the fund: {dec(swept, self.unit)} {self.symbol}"
        )
        self.clock.mine_at(max(self.until - 1, self.clock.now + 1))
        paused = e.isPaused(EngineScope.TRADE)
        self.clock.mine_at(self.until)
        live = not e.isPaused(EngineScope.TRADE)
        self.tally.check("GRD-03", paused and live, "TRADE paused until its expiry, live at it")
        self.say(f"at {self.clock.label(self.until)} TRADE is live again with no transaction (GRD-03)")
        for m in (ETH, BTC):
            self.poke(m, GAP if m == ETH else START[BTC])
        for m in (ETH, BTC):
            size = e.position(c.keeper, m)[0]
            v.fill(c.maker, c.keeper, m, -size, v.index(m))
            self.say(f"keeper sells its {wad(size)} {self.names[m]} back to the maker at the index")
        self.withdrawals()
        self.books("The keeper is flat and paid out; the maker took what it may")

    def withdrawals(self) -> None:
        """ENG-05 on the way out: realised collateral above IM leaves; unrealised profit stays."""
        c, e, scale = self.cast, self.engine, self.engine.SCALE()
        keeper = self.venue.state(c.keeper)
        self.clock.tick()
        e.withdraw(keeper.equity // scale, c.keeper, sender=c.keeper)
        self.say(f"keeper withdraws everything, {wad(keeper.equity, 2)} (a flat account needs no IM)")
        self.margin_ok("keeper", c.keeper)
        maker = self.venue.state(c.maker)
        greedy = (maker.equity - maker.initial_margin) // scale
        error = self.revert(
            f"maker withdraws equity - IM = {dec(greedy, self.unit, 2)}",
            e.withdraw,
            greedy,
            c.maker,
            sender=c.maker,
        )
        self.tally.check(
            "ENG-05",
            error == "MarginEngineInsufficientMargin",
            f"maker's unrealised profit {wad(maker.equity - maker.collateral, 2)} not withdrawable",
        )
        allowed = (maker.without_profit - maker.initial_margin) // scale
        self.clock.tick()
        e.withdraw(allowed, c.maker, sender=c.maker)
        self.say(f"maker withdraws min(equity, collateral) - IM = {dec(allowed, self.unit, 2)} instead")
        self.margin_ok("maker", c.maker)

    def post_mortem(self) -> None:
        g, e = self.suite.guardian, self.engine
        keys = [s.private_key for s in self.suite.signers]
        risk = self.suite.plan.markets[ETH].risk
        raised = replace(risk, baseMmr=risk.baseMmr * 3 // 2)
        self.step(
            f"Post-mortem: {g.threshold()} signers raise {self.names[ETH]}'s base mmr through the timelock"
        )
        calls = [Call(e.address, 0, e.setRiskParams.encode_input(ETH, raised.as_tuple()))]
        valid_until = self.clock.now + 3600
        approvals = sign_all(
            keys[: g.threshold()], schedule_message(calls, SALT), self.chain.chain_id, g.address, valid_until
        )
        self.clock.tick()
        receipt = g.schedule(calls, SALT, approvals, sender=self.cast.keeper)
        eta = next(x for x in receipt.events if x.event_name == "OperationScheduled").eta
        self.say(
            f"scheduled setRiskParams(baseMmr {pct(risk.baseMmr, 1)} -> {pct(raised.baseMmr, 1)}) with "
            f"{len(approvals)} approvals; eta {self.clock.label(eta)}"
        )
        error = self.revert("execute before the eta", g.execute, calls, SALT, sender=self.cast.keeper)
        self.tally.check("GRD-01", error == "PauseGuardianOperationNotReady", "no operation before its ETA")
        self.chain.pending_timestamp = eta
        g.execute(calls, SALT, sender=self.cast.keeper)
        self.say(f"executed at the eta by the keeper: base mmr now {pct(e.market(ETH).risk.baseMmr, 1)}")
        error = self.revert(
            "the keeper sets risk parameters itself",
            e.setRiskParams,
            ETH,
            risk.as_tuple(),
            sender=self.cast.keeper,
        )
        self.tally.check("GRD-04", error == "GuardedNotGuardian", "only the guardian changes a parameter")
        drift = verify_suite(self.project, self.suite.addresses(), self.suite.plan).mismatches
        self.say(
            f"re-verifying the chain against the parameter file finds {len(drift)} mismatch: "
            + "; ".join(f"{d.wire} file {wad(d.expected)}, chain {wad(d.actual)}" for d in drift)
        )
        if [d.wire for d in drift] != ["markets.0.risk.base_mmr"]:
            raise ScenarioError(f"the verifier should report exactly the executed change, got {drift}")


def run_crash(project, chain, suite, params, local_accounts, console: Console) -> Tally:
    return Crash(project, chain, suite, params, local_accounts, console).run()
