"""Rich tables and number formats shared by the deploy script and the demo."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from rich.table import Table

from bulwark.deploy import fund_step
from bulwark.deployments import Verification
from bulwark.units import WAD


def dec(value: int, scale: int = WAD, places: int = 4) -> str:
    """A fixed-point integer as a decimal with thousands separators, e.g. 1234.5e18 -> '1,234.5'."""
    number = Decimal(value) / scale
    text = f"{number:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wad(value: int, places: int = 4) -> str:
    return dec(value, WAD, places)


def pct(value: int, places: int = 2) -> str:
    """A WAD fraction as a percentage."""
    return f"{Decimal(value) * 100 / WAD:.{places}f}%"


def ratio(value: int | None) -> str:
    """A margin ratio (equity / MM, WAD); None or int256 max means no positions."""
    if value is None or value >= 2**255 - 1:
        return "-"
    return f"{Decimal(value) / WAD:.3f}"


def short(address: str) -> str:
    return f"{address[:6]}..{address[-4:]}"


def check_value(value, unit: str, decimals: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        if unit == "wad":
            return wad(value, 18)
        if unit == "token":
            return dec(value, 10**decimals, decimals)
    if isinstance(value, tuple):
        return ", ".join(short(v) if isinstance(v, str) and len(v) == 42 else str(v) for v in value)
    return str(value)


def deployment_table(suite, title: str) -> Table:
    """Each contract with its address and what it was wired with (read from the chain)."""
    g, c, f, e = suite.guardian, suite.collateral, suite.fund, suite.engine
    table = Table(title=title)
    for column in ("contract", "address", "wiring and key parameters"):
        table.add_column(column)
    table.add_row(
        "PauseGuardian",
        g.address,
        f"{g.threshold()}-of-{len(g.signers())} (cancel {g.cancelThreshold()}, pause {g.pauseThreshold()}, "
        f"loss-shifting pause {g.shiftPauseThreshold()}, breaker {g.breakerThreshold()}); "
        f"delay {g.delay()}s in [{g.MIN_DELAY()}, {g.MAX_DELAY()}]; max pause {g.MAX_PAUSE_DURATION()}s",
    )
    decimals = c.decimals()
    table.add_row("collateral", c.address, f"{c.symbol()} ({c.name()}), {decimals} decimals")
    funds = {fund_step(): f} | {fund_step(m): fund for m, fund in suite.market_funds.items()}
    for name, fund in funds.items():
        p = fund.params()
        table.add_row(
            name,
            fund.address,
            f"{fund.symbol()}: engine registered {fund.isEngine(e)}; cooldown {p.cooldown}s, window "
            f"{p.redeemWindow}s; cover <= {dec(p.maxOutflow, 10**decimals)} per {fund.OUTFLOW_WINDOW()}s",
        )
    table.add_row("MarginEngine", e.address, f"fund {short(e.FUND())}; {e.marketCount()} markets")
    for i, oracle in enumerate(suite.oracles):
        cfg, market = oracle.config(), e.market(i)
        risk = market.risk
        isolated = f"isolated, fund {short(market.fund)}; " if e.isIsolated(i) else ""
        table.add_row(
            f"MedianOracle {oracle.description()}",
            oracle.address,
            f"market {i}: {isolated}quorum {cfg.quorum} of {len(oracle.reporters())}; breaker "
            f"{pct(cfg.maxDeviation, 0)}, confirm {cfg.confirmDelay}s; stale after {cfg.maxStaleness}s; "
            f"mmr {pct(risk.baseMmr, 1)}..{pct(risk.maxMmr, 0)} (vol x{wad(risk.volMultiplier)}), "
            f"IM x{wad(risk.imFactor)}",
        )
    table.caption = f"every contract's GUARDIAN is {short(g.address)} (the PauseGuardian)"
    return table


def verification_table(verification: Verification, decimals: int, everything: bool = False) -> Table:
    """Checks per group (the field's first part) and every mismatch; all checks with `everything`."""
    table = Table(title="Wiring read back from the chain")
    for column in ("wire", "expected", "on chain", ""):
        table.add_column(column)
    if not everything:
        groups, bad = Counter(), Counter()
        for c in verification.checks:
            group = c.wire.split(" ")[0].rsplit(".", 1)[0]
            groups[group] += 1
            bad[group] += not c.ok
        for group, count in groups.items():
            mark = "[green]ok[/]" if not bad[group] else f"[red]{bad[group]} differ[/]"
            table.add_row(f"{group}.*", f"{count} check{'s' * (count != 1)}", "", mark)
    for c in verification.checks if everything else verification.mismatches:
        mark = "[green]ok[/]" if c.ok else "[red]MISMATCH[/]"
        table.add_row(
            c.wire, check_value(c.expected, c.unit, decimals), check_value(c.actual, c.unit, decimals), mark
        )
    n, bad = len(verification.checks), len(verification.mismatches)
    table.caption = f"{n} checks, {bad} mismatches"
    return table


def accounts_table(venue, traders, names: list[str], title: str) -> Table:
    """Wallets, engine cash, positions and margin of each (label, account), read from the chain."""
    engine, token, unit = venue.engine, venue.suite.collateral, venue.unit
    table = Table(title=title)
    columns = ("account", "wallet", "cash", "positions (avg entry)", "equity", "MM", "IM", "ratio")
    for column in (*columns, f"liq. {names[0].split('/')[0]}"):
        table.add_column(column, justify="left" if column.startswith(("account", "pos")) else "right")
    for label, account in traders:
        legs = []
        for m, name in enumerate(names):
            size, open_notional = engine.position(account, m)
            if size:
                legs.append(
                    f"{name.split('/')[0]} {wad(size):>s} ({wad(abs(open_notional) * WAD // abs(size), 0)})"
                )
        state = venue.state(account)
        if state is None:
            figures = ["halted"] * 4
            liquidation = "-"
        else:
            rate = None if state.maintenance_margin == 0 else state.margin_ratio()
            figures = [wad(state.equity, 2), wad(state.maintenance_margin, 2), wad(state.initial_margin, 2)]
            figures.append(ratio(rate))
            price = engine.liquidationPrice(account, 0)
            liquidation = wad(price, 0) if price else "-"
        style = "red" if state is not None and state.liquidatable else None
        table.add_row(
            f"{label} {short(account.address)}",
            dec(token.balanceOf(account), unit, 2),
            wad(engine.cash(account), 2),
            ", ".join(legs) or "-",
            *figures,
            liquidation,
            style=style,
        )
    return table
