"""GuardedMachine (bulwark/fuzz/machines/guarded.py) on revm at the profile's volume and on Anvil at
a slice: GRD-03 and GRD-04 after every step."""

from bulwark.fuzz.machines.guarded import GuardedMachine
from bulwark.fuzz.profiles import machine_settings

TestGuardedOnRevm = GuardedMachine.test_case("revm", machine_settings("revm"))
TestGuardedOnAnvil = GuardedMachine.test_case("anvil", machine_settings("anvil"))
