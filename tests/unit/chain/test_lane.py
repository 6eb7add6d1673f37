"""The chain lane: what both backends must do alike (snapshots, reverts of views, time, gas, nonces)."""

from __future__ import annotations

import pytest

from bulwark.chain import LaneError, Reverted, connect
from bulwark.deploy import predicted_address


@pytest.fixture(scope="module", params=["revm", "anvil"])
def chain(request):
    with connect(request.param) as chain:
        yield chain


@pytest.fixture
def token(chain):
    return chain.deploy("MockERC20", "Token", "TOK", 6, sender=chain.accounts[0])


def test_revert_restores_balances_storage_and_the_clock_and_ids_are_single_use(chain, token):
    a = chain.accounts
    token.mint.transact(a[1], 100, sender=a[0])
    before = (token.balanceOf(a[1]), chain.storage_at(token.address, 2), chain.timestamp, chain.block_number)
    ether = chain.balance(a[2])
    snapshot = chain.snapshot()
    token.mint.transact(a[1], 50, sender=a[0])
    chain.send(a[0], a[2], b"", value=10**18)
    chain.sleep(3600)
    assert token.balanceOf(a[1]) == 150 and chain.balance(a[2]) == ether + 10**18
    chain.revert(snapshot)
    after = (token.balanceOf(a[1]), chain.storage_at(token.address, 2), chain.timestamp, chain.block_number)
    assert after == before and chain.balance(a[2]) == ether
    with pytest.raises(LaneError):
        chain.revert(snapshot)


def test_a_reverting_view_raises_reverted_with_the_decoded_custom_error(chain):
    guardian = chain.deploy("GuardedMock", chain.accounts[0], sender=chain.accounts[0])
    with pytest.raises(Reverted) as raised:
        guardian.setValue(1, sender=chain.accounts[1])  # called as a view, it reverts all the same
    assert raised.value.error.name == "GuardedNotGuardian"
    assert raised.value.error.args["caller"] == chain.accounts[1]


def test_warp_refuses_to_go_back_in_time(chain):
    now = chain.timestamp
    with pytest.raises(LaneError):
        chain.warp(now - 1)
    assert chain.timestamp == now


def test_a_repeated_transfer_costs_what_it_costs_on_a_node(chain, token):
    """Every transaction starts cold (no warm-slot carry-over from the previous one, EIP-2929/2200)."""
    a = chain.accounts
    token.mint.transact(a[0], 10**6, sender=a[0])
    token.transfer.transact(a[1], 1_000, sender=a[0])  # the first creates the recipient's slot
    gas = [token.transfer.transact(a[1], 1_000, sender=a[0]).gas_used for _ in range(3)]
    assert gas == [34_465] * 3


def test_a_reverted_transaction_advances_the_sender_nonce(chain, token):
    sender = chain.accounts[3]
    first = chain.deploy("MockERC20", "A", "A", 6, sender=sender)
    assert not token.transfer.attempt(chain.accounts[1], 1, sender=sender).status  # no balance: reverts
    nonce = 1 + 1  # one deployment, one reverted transaction
    assert first.address == predicted_address(sender, 0)
    second = chain.deploy("MockERC20", "B", "B", 6, sender=sender)
    assert second.address == predicted_address(sender, nonce)


def test_call_many_answers_each_call_in_order_and_nothing_for_no_calls(chain, token):
    """Anvil answers an empty JSON-RPC batch with a single error object; the lane returns []."""
    assert chain.call_many([]) == []
    supply = token.totalSupply.calldata()
    replies = chain.call_many(
        [(token.address, supply), (token.address, token.balanceOf.calldata(chain.accounts[1]))]
    )
    assert [token.abi.function("totalSupply").decode(replies[0])] == [token.totalSupply()]
