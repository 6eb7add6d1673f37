"""The lane benchmark measures what it says: rates from real transactions and steps from a real machine."""

from bulwark.bench import lane
from bulwark.chain import connect
from bulwark.fuzz.machines.guarded import GuardedMachine


def test_lane_rates_come_from_transactions_that_passed_and_reverted():
    with connect("revm") as chain:
        row = lane.measure_lane(chain)
        receiver = chain.accounts[2]
        token = chain.at("MockERC20", "0x5FbDB2315678afecb367f032d93F642f64180aa3")  # the one deployed
        assert token.balanceOf(receiver) == (1 + lane.TRANSFERS) * lane.AMOUNT  # every accepted one landed
    assert row.accepted_per_s > 0 and row.reverted_per_s > 0, row


def test_machine_steps_are_counted_from_the_steps_hypothesis_ran():
    rate, steps = lane.machine_steps_per_second(GuardedMachine, "revm", examples=4, steps=10)
    assert 4 <= steps <= 40, steps  # at least one step per example, at most the cap
    assert rate > 0


def test_the_report_gives_ratios_to_raw_sequential_rpc():
    report = lane.LaneReport([lane.Lane("raw", 100.0, 50.0), lane.Lane("fast", 250.0, 40.0)])
    assert report.ratio(report.lanes[1]) == 2.5
    assert report.as_dict()["lanes"][1]["ratio"] == 2.5
