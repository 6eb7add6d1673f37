"""FundMachine (bulwark/fuzz/machines/fund.py) over a 6- and an 18-decimal token, on revm at the
profile's volume and on Anvil at a slice: FND-01..FND-05 after every step."""

from bulwark.fuzz.machines.fund import FundMachine6, FundMachine18
from bulwark.fuzz.profiles import machine_settings

TestFund6OnRevm = FundMachine6.test_case("revm", machine_settings("revm"))
TestFund18OnRevm = FundMachine18.test_case("revm", machine_settings("revm"))
TestFund6OnAnvil = FundMachine6.test_case("anvil", machine_settings("anvil"))
TestFund18OnAnvil = FundMachine18.test_case("anvil", machine_settings("anvil"))
