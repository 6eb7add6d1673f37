"""EngineMachine (bulwark/fuzz/machines/engine.py) on revm at the profile's volume and on Anvil at a
slice: ENG-01..ENG-08 after every step of deposits, withdrawals, fills, liquidations by two liquidators,
shared losses, signed price moves (breaker trips included), staleness, fee sweeps and exits in random
order, every outcome predicted by the model (bulwark/model/engine_book.py)."""

from bulwark.fuzz.machines.engine import EngineMachine
from bulwark.fuzz.profiles import machine_settings

TestEngineOnRevm = EngineMachine.test_case("revm", machine_settings("revm"))
TestEngineOnAnvil = EngineMachine.test_case("anvil", machine_settings("anvil"))
