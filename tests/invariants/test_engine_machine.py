"""EngineMachine (bulwark/fuzz/machines/engine.py) on revm at the profile's volume and on Anvil at a
slice: ENG-01..ENG-11 after every step of deposits, withdrawals, transfers between subaccounts, fills
(self-trades refused), liquidations by two liquidators (into a subaccount for the isolated market),
shared losses in two shared markets and an isolated one with its own fund, signed price moves (breaker
trips included), staleness and what a halt refuses, fee sweeps (shared and isolated) and exits in random
order, every outcome predicted by the model (bulwark/model/engine_book.py)."""

from bulwark.fuzz.machines.engine import EngineMachine
from bulwark.fuzz.profiles import machine_settings

TestEngineOnRevm = EngineMachine.test_case("revm", machine_settings("revm"))
TestEngineOnAnvil = EngineMachine.test_case("anvil", machine_settings("anvil"))
