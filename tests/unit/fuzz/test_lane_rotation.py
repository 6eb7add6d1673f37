"""Machines taking turns on one lane chain (a campaign's rotation): each finds its own deployment, with
the addresses and state it has when it runs alone, whatever the machine before it did."""

from __future__ import annotations

import pytest

from bulwark.chain import connect
from bulwark.fuzz.machines.guarded import GUARDIAN, GuardedMachine
from bulwark.fuzz.machines.oracle import OracleMachine


@pytest.mark.parametrize("backend", ["revm", "anvil"])
def test_machines_in_turn_each_find_their_own_deployment(backend):
    guarded, oracle = GuardedMachine.on(backend), OracleMachine.on(backend)
    first = guarded()
    first.mock.setValue.transact(41, sender=first.chain.accounts[GUARDIAN])  # an example's state
    other = oracle()
    other.chain.sleep(3600)
    again = guarded()  # the chain held the oracle's deployment: back to the empty chain, deployed anew
    assert again.mock.address == first.mock.address
    assert again.mock.value() == 0
    with connect(backend) as alone:  # a process that runs the guarded machine alone
        assert alone.deploy("GuardedMock", alone.accounts[GUARDIAN]).address == again.mock.address
        assert again.chain.timestamp == alone.timestamp
    assert oracle().oracle.address == other.oracle.address  # and the oracle, after it, finds its own
