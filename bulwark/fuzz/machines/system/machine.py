"""The whole suite on the lane, deployed from a parameter file (default params/local.json), driven by
every kind of actor at once, and checked for properties of the whole system after every step.

Where the per-contract machines predict every outcome against a model, this one predicts little: it
lets traders, liquidators, stakers, reporters, signers and attackers (world.py) act in any order,
accepts most outcomes, and checks what must hold whatever happened. Every invariant ID is checked:

- after every step, from one batch of views and the step's events (checks.py): ENG-01, ENG-02, ENG-07,
  ENG-08, ENG-09, ENG-10, FND-01, FND-02, FND-04, ORA-04, ORA-05, ORA-06, GRD-01..GRD-05, SYS-01..SYS-03;
- by the rule whose attempt shows it (markets.py, subaccounts.py, governance.py, attacks.py): ENG-03..ENG-06,
  ENG-09..ENG-11, FND-03,
  ORA-01..ORA-03, ORA-07, ORA-08, SYS-05, and every attack must fail;
- at the end of each example, in a snapshot (exits.py): SYS-04 and FND-05, everyone exits.

Reporters: in each poke some are silent, some late, up to the oracle's faultTolerance hostile (far-off
prices), the rest honest (noise around the market's price path, which moves in steps and gaps);
suspended reporters are left out by the relayer. Time passes in seconds, minutes, past maxStaleness
and by days.

Guided search (hypothesis.target, once per example at teardown): the lowest margin ratio among
traders, the fund's drawdown from its peak share price, the open unsettled loss and the attacker's
profit.

    SystemMachine.with_params("params/mine.json")   # a machine class over another file
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from bulwark.actors.guardian import GuardianDesk
from bulwark.chain import Chain, Reverted
from bulwark.deploy import Suite
from bulwark.fuzz.lane import LaneMachine
from bulwark.model.engine import subaccount
from bulwark.params import DEFAULT_PARAMS, read_params
from bulwark.units import WAD

from .attacks import AttackerRules
from .checks import SystemChecks
from .exits import Exits
from .governance import GuardianRules
from .markets import MarketRules
from .subaccounts import SubaccountRules
from .world import DESKS, ENGINE_ACCOUNTS, Pending, deploy_world


class SystemMachine(
    MarketRules, SubaccountRules, GuardianRules, AttackerRules, SystemChecks, Exits, LaneMachine
):
    """Every invariant ID over the whole suite (module docstring), deployed from `params_path`."""

    params_path: ClassVar[Path] = DEFAULT_PARAMS

    @classmethod
    def with_params(cls, path: Path | str) -> type[SystemMachine]:
        """A machine class over the parameter file `path` (validated now: a bad file raises
        bulwark.params.ParamsError with a one-line reason), with a deployment of its own."""
        path = Path(path)
        read_params(path)
        return type(f"{cls.__name__}_{path.stem}", (cls,), {"params_path": path})

    @classmethod
    def deploy(cls, chain: Chain) -> dict:
        """The suite from the parameter file, every actor funded and each market priced once."""
        return deploy_world(chain, cls.params_path)

    def __init__(self):
        super().__init__()
        w = self.world
        self.suite: Suite = w["suite"]
        s = self.suite
        self.acc = self.chain.accounts
        self.token, self.engine, self.fund, self.guardian = s.collateral, s.engine, s.fund, s.guardian
        self.oracles, self.plan = s.oracles, s.plan
        self.markets = range(len(s.oracles))
        self.isolated = {m for m in self.markets if self.engine.isIsolated(m)}
        self.market_fund = {m: self.engine.market(m).fund for m in self.markets}  # FUND or its own
        # every account the engine holds: the dev accounts that trade and their subaccounts (world.DESKS)
        self.engine_accounts = [self.acc[i] for i in ENGINE_ACCOUNTS]
        self.engine_accounts += [subaccount(self.acc[i], id_) for i, id_ in DESKS]
        self.owner_of = {self.acc[i]: (self.acc[i], 0) for i in ENGINE_ACCOUNTS}  # account -> (owner, id)
        self.owner_of.update({subaccount(self.acc[i], id_): (self.acc[i], id_) for i, id_ in DESKS})
        self.unit = 10**s.plan.decimals
        self.scale = WAD // self.unit
        self.desk = GuardianDesk(self.chain, self.guardian)
        self.thresholds = dict(
            zip(("threshold", "cancel", "pause", "shift", "breaker"), s.plan.thresholds, strict=True)
        )
        self.starts = list(w["starts"])
        self.path = list(w["starts"])
        self.supply = self.token.totalSupply()  # everything minted so far (SYS-01)
        self._probe_views = None
        self._profit = None
        self.v = self._probe()  # the views after the last step
        self.guardian_start = {
            k: val for k, val in self.v.items() if isinstance(k, tuple) and k[0] == "guardian"
        }
        self.put_in = self._attacker_value(self.v)  # SYS-02: what the attacker holds at the start
        self.exposed = False  # an attacker account was liquidated: its other account's PnL is now real
        self.pending: dict[bytes, Pending] = {}  # scheduled, not yet executed or expired
        self.scheduled: dict[bytes, Pending] = {}  # every operation scheduled in this example (GRD-01)
        self.salt = 0
        self.receipts: list = []  # this step's receipts
        self.last_poke: dict[int, tuple] = {}  # market -> (epoch, batch) of its last accepted poke
        self.fast_calls: list[tuple] = []  # (fn, args) of fast guardian calls that went through
        self.reporters: list[list[str]] = w["reporters"]
        self.suspended: dict[tuple[str, str], int] = {}  # (oracle, reporter) -> suspended until
        self.granted: dict[tuple[str, int], int] = {}  # (target, scope) -> the latest until granted
        self.flat: dict[str, int] = {}  # SYS-03: accounts flat after the last step -> their cash
        self.peak_share_price = self._share_price()
        self.extremes = {
            "min margin ratio": None,
            "fund drawdown": 0.0,
            "open loss": 0.0,
            "attacker profit": None,
        }

    # ------------------------------------------------------------------ helpers

    def _note(self, receipt):
        """Keep a receipt of this step for the checks, and record what guardian calls granted: pauses
        (GRD-03) and reporter suspensions (which the relayer then leaves out)."""
        self.receipts.append(receipt)
        for e in receipt.events:
            if e.name in ("Paused", "PauseExtended") and e.address == self.guardian.address:
                for scope in (
                    1 << b for b in range(e.args["scopes"].bit_length()) if e.args["scopes"] >> b & 1
                ):
                    key = (e.args["target"], scope)
                    self.granted[key] = max(self.granted.get(key, 0), e.args["until"])
            elif e.name == "ReporterSuspended":
                self.suspended[(e.address, e.args["reporter"])] = e.args["until"]
        return receipt

    def _share_price(self) -> float:
        supply = self.fund.totalSupply()
        return self.fund.totalAssets() / supply if supply else 1.0

    def _index(self, m: int) -> int:
        return self.oracles[m].latest()[0]

    def _state(self, i: int):
        try:
            return self.engine.accountState(self.acc[i])
        except Reverted:
            return None

    def _size(self, i: int, m: int) -> int:
        return self.engine.position(self.acc[i], m)[0]

    def _must_fail(self, receipt, invariant, what: str):
        self._note(receipt)
        assert not receipt.status, f"{invariant}: {what} went through"
        return receipt
