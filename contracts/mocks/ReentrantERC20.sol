// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantERC20
/// @notice Test-only hostile collateral: after every balance change it calls a configured target with
///         configured calldata (re-entering whatever contract is moving its tokens), and records
///         whether that call succeeded and what it returned. It can also act as an account (`execute`),
///         so the re-entrant call has a funded account behind it.
contract ReentrantERC20 is ERC20 {
    uint8 private immutable DECIMALS;
    address public hookTarget;
    bytes public hookData;
    uint256 public hookCalls; // [count] hooks fired
    bool public lastHookSucceeded;
    bytes public lastHookReturn; // return or revert data of the last hook
    bool private _inHook;

    constructor(uint8 decimals_) ERC20("Hostile", "HOST") {
        DECIMALS = decimals_;
    }

    /// @notice Mints `amount` to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice After each transfer, call `target` with `data` (zero target: no hook).
    function setHook(address target, bytes calldata data) external {
        (hookTarget, hookData) = (target, data);
    }

    /// @notice Make this token contract call `target` with `data` (to approve, deposit, ... as an account).
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            // slither-disable-next-line assembly
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }

    /// @dev Moves the balance, then fires the hook once (not from inside itself).
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hookTarget == address(0) || _inHook) return;
        _inHook = true;
        // slither-disable-next-line low-level-calls
        (bool ok, bytes memory ret) = hookTarget.call(hookData);
        (lastHookSucceeded, lastHookReturn) = (ok, ret);
        ++hookCalls;
        _inHook = false;
    }
}
