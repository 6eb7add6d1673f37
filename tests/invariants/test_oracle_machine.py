"""OracleMachine (bulwark/fuzz/machines/oracle.py) on revm at the profile's volume and on Anvil at a
slice: ORA-01..ORA-08 after every step, every transaction predicted by bulwark.model.oracle."""

from bulwark.fuzz.machines.oracle import OracleMachine
from bulwark.fuzz.profiles import machine_settings

TestOracleOnRevm = OracleMachine.test_case("revm", machine_settings("revm"))
TestOracleOnAnvil = OracleMachine.test_case("anvil", machine_settings("anvil"))
