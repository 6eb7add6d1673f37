"""The system machine's checks after every step: one batch of views over the whole suite (ENG-01,
ENG-02, ENG-08, ENG-09, ENG-10, FND-01, FND-04, ORA-04, ORA-05, ORA-06, GRD-02, GRD-03, GRD-04, GRD-05,
SYS-01, SYS-02, SYS-03), the step's events (GRD-01, ENG-07, FND-02), and the guided search's observations.
"""

from __future__ import annotations

from hypothesis.stateful import initialize, invariant

from bulwark.chain import Reverted
from bulwark.invariants import (
    ENG_01,
    ENG_02,
    ENG_07,
    ENG_08,
    ENG_09,
    ENG_10,
    FND_01,
    FND_02,
    FND_04,
    GRD_01,
    GRD_02,
    GRD_03,
    GRD_04,
    GRD_05,
    ORA_04,
    ORA_05,
    ORA_06,
    SYS_01,
    SYS_02,
    SYS_03,
)
from bulwark.model.fund import Params as FundParams
from bulwark.model.guardian import valid_thresholds
from bulwark.model.oracle import OracleConfig, annualised_within_bound, tolerates
from bulwark.units import WAD

from .world import ATTACKERS, TRADERS

# engine event arguments that name the accounts an action touches (ENG-09)
NAMING = ("account", "maker", "taker", "liquidator", "from", "to")

GUARDIAN_VIEWS = ("threshold", "cancelThreshold", "pauseThreshold", "shiftPauseThreshold", "breakerThreshold")
# what only the guardian may change (GRD-04), compared from one step to the next
PARAMETERS = ("config", "risk", "fund params")
# guardian events that may set a pause, an operation included (GRD-03, GRD-04)
PAUSE_EVENTS = ("Paused", "PauseExtended", "OperationExecuted")


class SystemChecks:
    """The invariant and what it reads (mixed into SystemMachine)."""

    @initialize()
    def start(self):
        """Nothing to do: the deployment is the start; the first invariant pass records the flat accounts."""

    def _views(self) -> list[tuple]:
        """What every check reads, encoded once per example: (key, contract address, calldata, Function)."""
        views = []

        def view(key, contract, fn, *args):
            f = contract.abi.function(fn, len(args))
            views.append((key, contract.address, f.encode(*args), f))

        token, engine, fund = self.token, self.engine, self.fund
        view("supply", token, "totalSupply")
        own_funds = sorted({self.market_fund[m] for m in self.isolated})
        for a in [*self.acc, engine.address, fund.address, *own_funds]:
            view(("wallet", a), token, "balanceOf", a)
        for a in self.engine_accounts:
            view(("cash", a), engine, "cash", a)
            view(("shares", a), fund, "balanceOf", a)
            for m in self.markets:
                view(("size", a, m), engine, "position", a, m)
                view(("owed", a, m), engine, "lossOwed", a, m)
        for m in self.markets:
            view(("unsettled", m), engine, "unsettledLoss", m)
            view(("read", m), self.oracles[m], "read")
            view(("config", m), self.oracles[m], "config")
            view(("reporters", m), self.oracles[m], "reporters")
            view(("volatility", m), self.oracles[m], "annualisedVolatility")
            view(("sample", m), self.oracles[m], "volatilitySample")
            view(("market", m), engine, "market", m)
        for contract, scopes in self._pause_targets():
            for scope in scopes:
                view(("paused", contract.address, int(scope)), contract, "pausedUntil", int(scope))
        for name in (*GUARDIAN_VIEWS, "delay", "signers"):
            view(("guardian", name), self.guardian, name)
        for i in TRADERS:
            view(("ratio", self.acc[i]), engine, "marginRatio", self.acc[i])
        view("fees", engine, "fees")
        view("assets", fund, "totalAssets")
        view("fund supply", fund, "totalSupply")
        view("fund params", fund, "params")
        view("outflow used", fund, "outflowUsed")
        return views

    def _probe(self) -> dict:
        """Every view at the current state in one batch (a reverted view's value is None)."""
        if self._probe_views is None:
            self._probe_views = self._views()
        results = self.chain.call_many([(to, data) for _, to, data, _ in self._probe_views])
        v = {}
        for (key, _, _, f), raw in zip(self._probe_views, results, strict=True):
            v[key] = None if isinstance(raw, Reverted) else f.decode(raw)
        for key in [k for k in v if isinstance(k, tuple) and k[0] == "size"]:
            v[key] = v[key][0]
        for m in self.markets:
            v[("risk", m)] = v[("market", m)].risk  # the rest of MarketState moves with trading
            v[("market fees", m)] = v.pop(("market", m)).fees  # an isolated market's own
        return v

    @invariant()
    def system_holds(self):
        v = self._probe()
        accounts = self.engine_accounts
        markets = self.markets
        # bulwark.ledger's engine_claims / settled_claims, from the batch
        held = v[("wallet", self.engine.address)] * self.scale
        cash = sum(v[("cash", a)] for a in accounts)
        fees = v["fees"] + sum(v[("market fees", m)] for m in markets)
        claims = cash + fees - sum(v[("unsettled", m)] for m in markets)
        settled = cash + fees - sum(v[("owed", a, m)] for a in accounts for m in markets)
        assert held == claims, f"{ENG_01}: {held} != {claims}"
        assert held >= settled, f"{ENG_08}: balance - settled claims = {held - settled} wei"
        for m in markets:
            total = sum(v[("size", a, m)] for a in accounts)
            assert total == 0, f"{ENG_02}: market {m} sizes sum to {total}"
        assets, balance = v["assets"], v[("wallet", self.fund.address)]
        assert assets == balance, f"{FND_01}: {assets} != {balance}"
        now = self.chain.timestamp
        for m in markets:
            if v[("read", m)] is not None:
                age, staleness = now - v[("read", m)][1], OracleConfig(*v[("config", m)]).maxStaleness
                assert age <= staleness, (
                    f"{ORA_04}: read() served a price {age}s old (maxStaleness {staleness})"
                )
        self._check_receipts()
        self._check_segregation(v)
        self._check_oracles(v)
        self._check_guardian(v)
        self._check_fund(v)
        self._check_tokens(v)
        self._check_attacker(v)
        self._check_bystanders(v)
        self._observe(v)
        self.receipts = []
        self.v = v

    def _events(self, *names: str, address: str | None = None):
        """The step's events named `names` (emitted by `address`, if given)."""
        for r in self.receipts:
            for e in r.events:
                if e.name in names and (address is None or e.address == address):
                    yield e

    def _check_receipts(self):
        """From the step's events: each executed operation was scheduled and is inside its window
        (GRD-01); each booked bad debt was covered or shared, to the wei (ENG-07); nothing left the fund
        but redemptions and cover paid to a registered engine (FND-02)."""
        now = self.chain.timestamp
        for e in self._events("OperationExecuted", address=self.guardian.address):
            p = self.scheduled.get(e.args["id"])
            assert p is not None, f"{GRD_01}: an operation never scheduled was executed"
            assert p.eta <= now <= p.expires_at, (
                f"{GRD_01}: executed at {now}, outside [{p.eta}, {p.expires_at}]"
            )
        for r in self.receipts:
            uncovered, shared = {}, {}
            for e in r.events:
                if e.name == "BadDebt":
                    m, debt, covered = e.args["market"], e.args["debt"], e.args["covered"]
                    assert covered <= debt, f"{ENG_07}: covered {covered} of a debt of {debt}"
                    uncovered[m] = uncovered.get(m, 0) + debt - covered
                elif e.name == "LossShared":
                    shared[e.args["market"]] = shared.get(e.args["market"], 0) + e.args["amount"]
            uncovered = {m: x for m, x in uncovered.items() if x}
            assert uncovered == shared, f"{ENG_07}: bad debt left uncovered {uncovered}, shared {shared}"
        fund, out, paid = self.fund.address, 0, 0
        for e in self._events("Transfer", address=self.token.address):
            if e.args["from"] == fund:
                out += e.args["value"]
        for e in self._events("RedeemClaimed", "Covered", address=fund):
            paid += e.args["paid"]
            if e.name == "Covered":
                assert e.args["engine"] == self.engine.address, f"{FND_02}: {e.args['engine']} took cover"
        assert out == paid, f"{FND_02}: {out} left the fund, {paid} of it redeemed or covered"

    def _check_segregation(self, v):
        """ENG-09: an account or subaccount that no engine event of the step names keeps its cash and
        every size. ENG-10: no account holds an isolated market beside another market, and a fund pays
        cover only in a transaction whose engine events are all in markets it backs."""
        engine = self.engine.address
        named = {
            e.args[k]
            for r in self.receipts
            for e in r.events
            if e.address == engine
            for k in NAMING
            if isinstance(e.args.get(k), str)
        }
        prev = self.v
        for a in self.engine_accounts:
            if a in named:
                continue
            assert v[("cash", a)] == prev[("cash", a)], f"{ENG_09}: {a}'s cash moved in a step naming it not"
            for m in self.markets:
                assert v[("size", a, m)] == prev[("size", a, m)], f"{ENG_09}: {a}'s size in {m} moved"
        for a in self.engine_accounts:
            held = {m for m in self.markets if v[("size", a, m)]}
            assert len(held) <= 1 or not held & self.isolated, f"{ENG_10}: {a} holds {sorted(held)}"
        for r in self.receipts:
            markets = {e.args["market"] for e in r.events if e.address == engine and "market" in e.args}
            backers = {self.market_fund[m] for m in markets}
            for e in r.events:
                if e.name == "Covered":
                    assert e.address in backers, (
                        f"{ENG_10}: fund {e.address} covered markets {sorted(markets)}"
                    )

    def _check_oracles(self, v):
        """ORA-05: every configuration tolerates its faultTolerance; ORA-06: the volatility estimate
        moves only with a served update at least volatilityInterval after the last sample, by at most one
        sample's bound."""
        prev = self.v
        for m in self.markets:
            c = OracleConfig(*v[("config", m)])
            n = len(v[("reporters", m)])
            assert tolerates(c.quorum, c.faultTolerance, n), f"{ORA_05}: {c} over {n} reporters"
            (p0, t0), (p1, t1) = prev[("sample", m)], v[("sample", m)]
            before, after = prev[("volatility", m)], v[("volatility", m)]
            if (p0, t0) == (p1, t1):
                assert after == before, f"{ORA_06}: volatility {before} -> {after} without a sample"
                continue
            served = any(self._events("PriceUpdated", address=self.oracles[m].address))
            assert served, f"{ORA_06}: market {m} sampled ({p1}, {t1}) without a served update"
            if p0:
                assert t1 >= t0 + c.volatilityInterval, f"{ORA_06}: sampled {t1 - t0}s after the last"
                r = abs(p1 - p0) * WAD // p0
                assert annualised_within_bound(
                    before, after, r * r // WAD, c.volatilityInterval, c.volatilityTau
                ), f"{ORA_06}: market {m}'s volatility {before} -> {after} on a {r / WAD:.4f} return"

    def _check_guardian(self, v):
        """GRD-02 and GRD-05: the signers, thresholds and delay are the deployment's (this machine runs no
        operation that changes them) and valid; GRD-03: no pause runs past what the guardian's pauses and
        extensions granted; GRD-04: parameters and pauses change only in a step with a guardian call."""
        prev, now = self.v, self.chain.timestamp
        guardian = {k: val for k, val in v.items() if isinstance(k, tuple) and k[0] == "guardian"}
        assert guardian == self.guardian_start, f"{GRD_02}: the guardian's settings changed: {guardian}"
        signers = len(v[("guardian", "signers")])
        thresholds = [v[("guardian", name)] for name in GUARDIAN_VIEWS]
        assert valid_thresholds(*thresholds, signers), f"{GRD_05}: thresholds {thresholds} over {signers}"
        guardian_acted = any(self._events(*PAUSE_EVENTS, address=self.guardian.address))
        for key, until in v.items():
            if not (isinstance(key, tuple) and key[0] == "paused"):
                continue
            granted = self.granted.get(key[1:], 0)
            assert until <= granted or until <= now, (
                f"{GRD_03}: scope {key[2]} of {key[1]} paused until {until}, granted {granted}"
            )
            assert until == prev[key] or guardian_acted, f"{GRD_04}: {key} changed without the guardian"
        executed = any(self._events("OperationExecuted", address=self.guardian.address))
        for key in v:
            if (isinstance(key, tuple) and key[0] in PARAMETERS) or key in PARAMETERS:
                assert v[key] == prev[key] or executed, f"{GRD_04}: {key} changed without an operation"

    def _check_fund(self, v):
        """FND-04: after a step that paid cover, the window's outflow is within maxOutflow."""
        if any(self._events("Covered", address=self.fund.address)):
            cap = FundParams(*v["fund params"]).maxOutflow
            assert v["outflow used"] <= cap, (
                f"{FND_04}: {v['outflow used']} paid out in the window, cap {cap}"
            )

    def _check_tokens(self, v):
        """SYS-01: supply == everything minted == the sum over engine, fund and every actor."""
        held = sum(value for key, value in v.items() if isinstance(key, tuple) and key[0] == "wallet")
        supply = v["supply"]
        assert supply == self.supply == held, f"{SYS_01}: supply {supply}, minted {self.supply}, held {held}"

    def _attacker_value(self, v) -> int:
        """Wallet + engine cash - loss owed of the attacker's accounts, in WAD (positions excluded: the
        two accounts' sizes cancel while only they trade with each other)."""
        value = 0
        for i in ATTACKERS:
            a = self.acc[i]
            # the attacker never stakes: shares reaching it would be value from nowhere
            assert v[("shares", a)] == 0, f"{SYS_02}: attacker {a} holds fund shares"
            value += v[("wallet", a)] * self.scale + v[("cash", a)]
            value -= sum(v[("owed", a, m)] for m in self.markets)
        return value

    def _check_attacker(self, v):
        """SYS-02: while only its two accounts trade with each other, the attacker never gains."""
        self._profit = None
        if self.exposed:
            return
        for m in self.markets:
            net = sum(v[("size", self.acc[i], m)] for i in ATTACKERS)
            assert net == 0, (
                f"{SYS_02}: the attacker holds {net} net in market {m} without trading with anyone"
            )
        value = self._attacker_value(v)
        assert value <= self.put_in, f"{SYS_02}: the attacker gained {(value - self.put_in) / WAD} tokens"
        self._profit = value - self.put_in

    def _check_bystanders(self, v):
        """SYS-03: an account flat (no position, no loss owed, no shares) before a step it took no part in
        keeps its cash, less its own withdrawals."""
        parties, withdrawn = set(), {}
        for r in self.receipts:
            for e in r.events:
                if e.name == "Filled":
                    parties |= {e.args["maker"], e.args["taker"]}
                elif e.name == "Liquidated":
                    parties |= {e.args["account"], e.args["liquidator"]}
                elif e.name == "Withdrawn":
                    a = e.args["account"]
                    withdrawn[a] = withdrawn.get(a, 0) + e.args["amount"] * self.scale
                elif e.name == "MarginTransferred":  # the owner's own move, like a withdrawal
                    a = e.args["from"]
                    withdrawn[a] = withdrawn.get(a, 0) + e.args["amount"] * self.scale
        for a, cash in self.flat.items():
            if a not in parties:
                now = v[("cash", a)]
                assert now >= cash - withdrawn.get(a, 0), (
                    f"{SYS_03}: bystander {a} lost {(cash - withdrawn.get(a, 0) - now) / WAD} tokens"
                )
        self.flat = {
            a: v[("cash", a)]
            for a in self.engine_accounts
            if not v[("shares", a)] and not any(v[("size", a, m)] or v[("owed", a, m)] for m in self.markets)
        }

    def _observe(self, v):
        """The guided search's observations (the extremes of this example; target() at teardown)."""
        ex = self.extremes
        ratios = [
            v[("ratio", self.acc[i])] / WAD
            for i in TRADERS
            if v[("ratio", self.acc[i])] is not None
            and any(v[("size", self.acc[i], m)] for m in self.markets)
        ]
        if ratios:
            low = min(ratios)
            ex["min margin ratio"] = (
                low if ex["min margin ratio"] is None else min(low, ex["min margin ratio"])
            )
        supply = v["fund supply"]
        price = v["assets"] / supply if supply else 1.0
        self.peak_share_price = max(self.peak_share_price, price)
        if self.peak_share_price:
            ex["fund drawdown"] = max(ex["fund drawdown"], 1 - price / self.peak_share_price)
        ex["open loss"] = max(ex["open loss"], sum(max(v[("unsettled", m)], 0) for m in self.markets) / WAD)
        if self._profit is not None:
            p = self._profit / WAD
            ex["attacker profit"] = p if ex["attacker profit"] is None else max(p, ex["attacker profit"])
