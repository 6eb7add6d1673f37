"""GuardianMachine (bulwark/fuzz/machines/guardian.py) on revm at the profile's volume and on Anvil at
a slice: GRD-01..GRD-05 after every step of random (and forged) guardian activity."""

from bulwark.fuzz.machines.guardian import GuardianMachine
from bulwark.fuzz.profiles import machine_settings

TestGuardianOnRevm = GuardianMachine.test_case("revm", machine_settings("revm"))
TestGuardianOnAnvil = GuardianMachine.test_case("anvil", machine_settings("anvil"))
