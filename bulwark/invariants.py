"""The invariants Bulwark promises, each with its stable ID (../shared/DESIGN.md, docs/INVARIANTS.md).

This module is the one place their sentences live in code. Tests use them as assertion messages
(``assert ok, GRD_04``), so a failure names the broken promise; the incident monitor reports with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Invariant:
    id: str
    statement: str

    def __str__(self) -> str:
        return f"{self.id}: {self.statement}"


ENG_01 = Invariant(
    "ENG-01",
    "at every moment, token balance * SCALE == sum(cash) + fees + isolated markets' fees - sum(unsettled "
    "shared losses), exactly",
)
ENG_02 = Invariant("ENG-02", "per market, the sum of all position sizes is zero")
ENG_03 = Invariant("ENG-03", "an account with equity >= MM cannot be liquidated")
ENG_04 = Invariant("ENG-04", "a partial liquidation never lowers the account's margin ratio")
ENG_05 = Invariant(
    "ENG-05",
    "after any withdrawal or risk-increasing trade, equity >= IM (unrealised profit excluded)",
)
ENG_06 = Invariant(
    "ENG-06", "with a stale, tripped or paused oracle, no trade, withdrawal or liquidation goes through"
)
ENG_07 = Invariant(
    "ENG-07",
    "every loss has an owner: an insolvent account's debt is booked to the markets it lost in, pro rata to "
    "each market's loss; the fund pays first, within its cap; the rest is owed by that market's opposite "
    "side pro rata to size, less what the fund pays later pro rata to what each still owes; no other "
    "account's equity falls",
)
ENG_08 = Invariant(
    "ENG-08",
    "no withdrawal order changes what anyone gets: token balance * SCALE >= sum(cash - loss owed) + fees "
    "+ isolated markets' fees",
)
ENG_09 = Invariant(
    "ENG-09",
    "a loss in one subaccount never lowers another subaccount's equity: an action changes the cash and "
    "positions only of the subaccounts it names, and a shared loss only what that market's holders owe",
)
ENG_10 = Invariant(
    "ENG-10",
    "an isolated market's losses never reach the shared fund or other markets' accounts: a subaccount "
    "holding it holds nothing else, only its own fund covers its bad debt, and only its own other side "
    "shares the rest",
)
ENG_11 = Invariant(
    "ENG-11",
    "halts reach only holders: a stale, tripped or paused oracle stops the fills, withdrawals, transfers "
    "and liquidations of the subaccounts holding its market and of no other subaccount",
)
ORA_01 = Invariant("ORA-01", "the accepted price lies between the lowest and highest report of its poke")
ORA_02 = Invariant(
    "ORA-02",
    "no accepted report is older than maxReportAge, further ahead than maxFutureSkew, "
    "or observed before the served price's updatedAt (while tripped: the held candidate's)",
)
ORA_03 = Invariant(
    "ORA-03",
    "a reporter counts at most once per poke, and a report counts only in the epoch it was signed for "
    "(so never twice)",
)
ORA_04 = Invariant("ORA-04", "read() never returns a price older than maxStaleness")
ORA_05 = Invariant(
    "ORA-05",
    "while at most faultTolerance reporters are hostile, every accepted median lies between the lowest "
    "and highest honest report of its poke; quorum >= 2f + 1, 2 quorum > reporters and "
    "reporters >= quorum + f hold in every configuration",
)
ORA_06 = Invariant(
    "ORA-06",
    "the volatility estimate moves only on a served update at least volatilityInterval after the previous "
    "sample, each sample adding at most r^2 / (volatilityInterval + volatilityTau)",
)
ORA_07 = Invariant(
    "ORA-07",
    "a tripped breaker serves a new level only after every median since that level was set stayed "
    "within maxDeviation of it for confirmDelay",
)
ORA_08 = Invariant("ORA-08", "a suspended reporter's reports never count before its suspension ends")
GRD_01 = Invariant(
    "GRD-01",
    "no operation runs before its ETA, after its grace window, or with fewer than threshold distinct signers",
)
GRD_02 = Invariant(
    "GRD-02", "signers, thresholds and delay change only through an executed operation; 1 <= t <= N always"
)
GRD_03 = Invariant("GRD-03", "no pause outlives its expiry unless extended by threshold signers")
GRD_04 = Invariant("GRD-04", "only the guardian changes a parameter or a pause flag anywhere in the suite")
GRD_05 = Invariant(
    "GRD-05",
    "a fast-path pause naming a scope its target declares loss-shifting, or a reporter suspension past the "
    "oracle's spare keys, has at least shiftPauseThreshold distinct signers, and a fast breaker clear at "
    "least breakerThreshold; pauseThreshold <= shiftPauseThreshold <= breakerThreshold <= threshold, "
    "and shiftPauseThreshold >= 2 whenever there are two or more signers",
)
GRD_06 = Invariant(
    "GRD-06",
    "a pauser's call counts as an approval only for a fast-path pause of scopes that shift no losses or "
    "a suspension while the oracle has a spare key; pausers change only through an executed operation",
)
FND_01 = Invariant("FND-01", "totalAssets() equals the fund's token balance")
FND_02 = Invariant(
    "FND-02", "only a registered engine can take assets out other than stakers' own redemptions"
)
FND_03 = Invariant(
    "FND-03",
    "no redemption happens before its cooldown ends; its price is never above the request-time price",
)
FND_04 = Invariant("FND-04", "outflows through cover stay within the per-window cap")
FND_05 = Invariant(
    "FND-05",
    "every staker can exit: while REQUEST and REDEEM are live, a staker without a live request can request "
    "all its shares, and a matured request can be redeemed in its window, for min(value at request, "
    "value at redeem) as FND-03 allows",
)
SYS_01 = Invariant(
    "SYS-01",
    "tokens are conserved: the collateral's total supply equals what was minted and the sum held by the "
    "engine, the fund and every actor (nothing created or lost)",
)
SYS_02 = Invariant(
    "SYS-02",
    "no attacker ends with more than it put in (wallet + engine cash - loss owed, fund shares included) "
    "unless the engine booked it a liquidation bonus or PnL against someone else: wash trades between its "
    "own accounts never net a profit across them",
)
SYS_03 = Invariant(
    "SYS-03",
    "no bystander pays a loss: an account with no position, no loss owed and no fund shares that takes no "
    "part in a step keeps its engine cash, less its own withdrawals",
)
SYS_04 = Invariant(
    "SYS-04",
    "every trader and every staker can exit: once pauses end and prices are live, every position closes "
    "(at the index price, or by liquidation if below maintenance), every account withdraws all it holds "
    "and every staker requests, waits out the cooldown and redeems all its shares",
)
SYS_05 = Invariant(
    "SYS-05",
    "while at most faultTolerance reporters are hostile, a poke never serves or holds a price outside the "
    "lowest and highest honest report of that poke",
)

ALL: tuple[Invariant, ...] = tuple(v for v in globals().values() if isinstance(v, Invariant))
BY_ID: dict[str, Invariant] = {inv.id: inv for inv in ALL}
