// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Guarded} from "../governance/Guarded.sol";
import {IGuarded} from "../interfaces/IGuarded.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";

/// @title InsuranceFund
/// @notice A staked ERC4626 backstop: stakers deposit collateral for shares, leave through a cooldown at
///         the lower of the request-time and current share price, and registered engines draw bad-debt
///         cover from it under a rolling outflow cap.
/// @dev See IInsuranceFund for every rule. Every entry point that moves tokens is non-reentrant, and
///      state is written before tokens leave.
contract InsuranceFund is ERC4626, Guarded, ReentrancyGuardTransient, IInsuranceFund {
    using Math for uint256;

    // pause scopes; loss-shifting or not, and why: IInsuranceFund (pause scopes)
    uint256 public constant SCOPE_DEPOSIT = 1 << 0; // deposit, mint; not loss-shifting
    uint256 public constant SCOPE_REQUEST = 1 << 1; // requestRedeem; loss-shifting
    uint256 public constant SCOPE_REDEEM = 1 << 2; // redeem; loss-shifting
    uint256 public constant SCOPE_COVER = 1 << 3; // cover; loss-shifting

    /// @inheritdoc IInsuranceFund
    uint8 public constant DECIMALS_OFFSET = 6;
    /// @inheritdoc IInsuranceFund
    uint256 public constant MAX_SHARES_PER_ASSET = 1e12; // [shares / unit] 10^6 x the initial 10^DECIMALS_OFFSET
    // 10 ** DECIMALS_OFFSET as a literal: the compiler evaluates that power at run time (~330 gas a use)
    uint256 private constant VIRTUAL_SHARES = 1e6; // [shares]
    uint256 public constant OUTFLOW_BUCKETS = 8; // the window's resolution
    uint256 public constant MIN_COOLDOWN = 1 hours;
    uint256 public constant MAX_COOLDOWN = 90 days;
    uint256 public constant MIN_REDEEM_WINDOW = 1 hours;
    uint256 public constant MAX_REDEEM_WINDOW = 30 days;
    uint256 public constant MIN_OUTFLOW_WINDOW = 1 hours;
    uint256 public constant MAX_OUTFLOW_WINDOW = 30 days;

    /// @inheritdoc IInsuranceFund
    uint256 public immutable OUTFLOW_WINDOW; // [s]
    uint256 private immutable BUCKET_SECONDS; // [s] ceil(OUTFLOW_WINDOW / OUTFLOW_BUCKETS)

    Params private _params;
    mapping(address owner => RedeemRequest) private _requests;
    /// @inheritdoc IInsuranceFund
    mapping(address engine => bool) public isEngine;
    // cover paid per bucket (block.timestamp / BUCKET_SECONDS), two uint128 buckets to a slot by id >> 1
    mapping(uint256 pair => uint256 amounts) private _outflowPairs;

    /// @param initialEngines Engines registered at deployment (as `setEngine` would), so a suite is wired
    ///        without a timelocked operation; the deployer predicts the engine's address.
    constructor(
        address guardian,
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        uint256 outflowWindow,
        Params memory initialParams,
        address[] memory initialEngines
    ) ERC4626(asset_) ERC20(name_, symbol_) Guarded(guardian) {
        if (outflowWindow < MIN_OUTFLOW_WINDOW || outflowWindow > MAX_OUTFLOW_WINDOW) {
            revert InsuranceFundInvalidOutflowWindow(outflowWindow, MIN_OUTFLOW_WINDOW, MAX_OUTFLOW_WINDOW);
        }
        OUTFLOW_WINDOW = outflowWindow;
        BUCKET_SECONDS = outflowWindow.ceilDiv(OUTFLOW_BUCKETS);
        _setParams(initialParams);
        for (uint256 i; i < initialEngines.length; ++i) {
            _setEngine(initialEngines[i], true);
        }
    }

    // ---------------------------------------------------------------- staking in

    /// @notice Deposit `assets` for shares minted to `receiver`, priced on the balance before the transfer.
    /// @dev Paused with DEPOSIT. Reverts with InsuranceFundDepleted while the fund is depleted (see
    ///      IInsuranceFund). A fee-on-transfer token mints shares for what arrived; reverts with
    ///      InsuranceFundZeroShares rather than take assets for no shares.
    function deposit(uint256 assets, address receiver)
        public
        override(ERC4626, IERC4626)
        whenNotPaused(SCOPE_DEPOSIT)
        nonReentrant
        returns (uint256 shares)
    {
        (uint256 balanceBefore, uint256 supply) = (totalAssets(), totalSupply());
        // at most MAX_SHARES_PER_ASSET shares per unit, so the supply stays bounded by what was deposited
        if (_depleted(balanceBefore, supply)) revert InsuranceFundDepleted(balanceBefore, supply);
        uint256 received = _pull(assets);
        // the same price as _convertToShares, on the balance before this deposit arrived
        shares = received.mulDiv(supply + VIRTUAL_SHARES, balanceBefore + 1, Math.Rounding.Floor);
        // a share count, not a balance: zero means the depositor would get nothing for its assets
        // slither-disable-next-line incorrect-equality
        if (shares == 0) revert InsuranceFundZeroShares(assets, received);
        _mint(receiver, shares);
        emit Deposit(msg.sender, receiver, received, shares);
    }

    /// @notice Mint exactly `shares` to `receiver` for previewMint(shares) assets.
    /// @dev Paused with DEPOSIT. Reverts with InsuranceFundDepleted while the fund is depleted, and with
    ///      InsuranceFundTransferShortfall if fewer assets arrive.
    function mint(uint256 shares, address receiver)
        public
        override(ERC4626, IERC4626)
        whenNotPaused(SCOPE_DEPOSIT)
        nonReentrant
        returns (uint256 assets)
    {
        if (shares == 0) revert InsuranceFundZeroAmount();
        (uint256 balanceBefore, uint256 supply) = (totalAssets(), totalSupply());
        // at most MAX_SHARES_PER_ASSET shares per unit paid (previewMint rounds the assets up)
        if (_depleted(balanceBefore, supply)) revert InsuranceFundDepleted(balanceBefore, supply);
        assets = previewMint(shares);
        uint256 received = _pull(assets);
        if (received != assets) revert InsuranceFundTransferShortfall(assets, received);
        _mint(receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    /// @inheritdoc IInsuranceFund
    function addRevenue(uint256 amount) external nonReentrant returns (uint256 received) {
        if (amount == 0) revert InsuranceFundZeroAmount();
        received = _pull(amount);
        emit RevenueReceived(msg.sender, amount, received);
    }

    // ---------------------------------------------------------------- staking out

    /// @inheritdoc IInsuranceFund
    function requestRedeem(uint256 shares) external whenNotPaused(SCOPE_REQUEST) returns (uint256 assets) {
        if (shares == 0) revert InsuranceFundZeroAmount();
        RedeemRequest memory live = _requests[msg.sender];
        // one live request per owner: its shares cannot be requested twice
        if (block.timestamp < live.expiresAt) {
            revert InsuranceFundRequestPending(msg.sender, live.shares, live.expiresAt);
        }
        uint256 balance = balanceOf(msg.sender);
        if (shares > balance) revert InsuranceFundSharesLocked(msg.sender, shares, balance, 0);
        assets = _convertToAssets(shares, Math.Rounding.Floor);
        Params memory p = _params;
        uint64 claimableAt = uint64(block.timestamp) + p.cooldown;
        uint64 expiresAt = claimableAt + p.redeemWindow;
        _requests[msg.sender] = RedeemRequest(shares, SafeCast.toUint128(assets), claimableAt, expiresAt);
        emit RedeemRequested(msg.sender, shares, assets, claimableAt, expiresAt);
    }

    /// @inheritdoc IInsuranceFund
    function cancelRedeem() external {
        RedeemRequest memory live = _requests[msg.sender];
        if (block.timestamp >= live.expiresAt) revert InsuranceFundCooldownRequired(msg.sender);
        delete _requests[msg.sender];
        emit RedeemCancelled(msg.sender, live.shares);
    }

    /// @notice Redeem `owner`'s matured request of exactly `shares` for min(value at request, value now).
    /// @dev Paused with REDEEM. The caller is `owner` or spends `owner`'s share allowance. Reverts with
    ///      InsuranceFundCooldownRequired (no request), InsuranceFundCooldownActive, InsuranceFundRequestExpired
    ///      or InsuranceFundRedeemMismatch. Emits RedeemClaimed and ERC4626 Withdraw.
    function redeem(uint256 shares, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        whenNotPaused(SCOPE_REDEEM)
        nonReentrant
        returns (uint256 assets)
    {
        RedeemRequest memory r = _requests[owner];
        // slither-disable-next-line incorrect-equality
        if (r.shares == 0) revert InsuranceFundCooldownRequired(owner);
        // no redemption before its cooldown ends (FND-03)
        if (block.timestamp < r.claimableAt) revert InsuranceFundCooldownActive(owner, block.timestamp, r.claimableAt);
        if (block.timestamp >= r.expiresAt) revert InsuranceFundRequestExpired(owner, r.expiresAt);
        if (shares != r.shares) revert InsuranceFundRedeemMismatch(owner, shares, r.shares);
        // never above the request-time value (FND-03)
        assets = Math.min(r.assets, _convertToAssets(shares, Math.Rounding.Floor));
        delete _requests[owner]; // unlocks the shares so they can burn
        _withdraw(msg.sender, receiver, owner, assets, shares);
        emit RedeemClaimed(owner, shares, r.assets, assets);
    }

    /// @notice Not offered: the payout is only known at claim time. Request, wait, then `redeem`.
    function withdraw(uint256, address, address) public pure override(ERC4626, IERC4626) returns (uint256) {
        revert InsuranceFundWithdrawUnsupported();
    }

    // ---------------------------------------------------------------- cover

    /// @inheritdoc IInsuranceFund
    function cover(uint256 amount) external whenNotPaused(SCOPE_COVER) nonReentrant returns (uint256 paid) {
        // only a registered engine takes assets out other than stakers' redemptions (FND-02)
        if (!isEngine[msg.sender]) revert InsuranceFundNotEngine(msg.sender);
        if (amount == 0) revert InsuranceFundZeroAmount();
        uint256 bucket = block.timestamp / BUCKET_SECONDS;
        uint256 balance = totalAssets();
        uint256 allowance = _allowanceAt(bucket);
        // within the per-window cap (FND-04)
        paid = Math.min(amount, Math.min(balance, allowance));
        if (paid != 0) {
            // paid <= maxOutflow < 2^128 and the bucket's total stays within it
            uint256 shift = (bucket & 1) * 128;
            _outflowPairs[bucket >> 1] += paid << shift;
            SafeERC20.safeTransfer(IERC20(asset()), msg.sender, paid);
        }
        emit Covered(msg.sender, amount, paid);
        if (paid < amount) emit Shortfall(msg.sender, amount - paid, balance, allowance);
    }

    // ---------------------------------------------------------------- guardian

    /// @inheritdoc IInsuranceFund
    function setEngine(address engine, bool registered) external onlyGuardian {
        _setEngine(engine, registered);
    }

    function _setEngine(address engine, bool registered) private {
        if (engine == address(0) || isEngine[engine] == registered) {
            revert InsuranceFundEngineMembership(engine, registered);
        }
        isEngine[engine] = registered;
        emit EngineUpdated(engine, registered);
    }

    /// @inheritdoc IInsuranceFund
    function setParams(Params calldata newParams) external onlyGuardian {
        _setParams(newParams);
    }

    /// @inheritdoc Guarded
    function pauseScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_DEPOSIT | SCOPE_REQUEST | SCOPE_REDEEM | SCOPE_COVER;
    }

    /// @inheritdoc Guarded
    /// @dev REQUEST, REDEEM and COVER; IInsuranceFund (pause scopes) gives the answer for every scope.
    function lossShiftingScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_REQUEST | SCOPE_REDEEM | SCOPE_COVER;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IInsuranceFund
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IInsuranceFund
    function redeemRequest(address owner) external view returns (RedeemRequest memory) {
        return _requests[owner];
    }

    /// @inheritdoc IInsuranceFund
    function lockedShares(address owner) public view returns (uint256) {
        RedeemRequest memory r = _requests[owner];
        return block.timestamp < r.expiresAt ? r.shares : 0;
    }

    /// @inheritdoc IInsuranceFund
    function claimableAssets(address owner) external view returns (uint256) {
        uint256 shares = maxRedeem(owner); // zero unless the window is open and REDEEM is live
        // slither-disable-next-line incorrect-equality
        if (shares == 0) return 0;
        return Math.min(_requests[owner].assets, _convertToAssets(shares, Math.Rounding.Floor));
    }

    /// @inheritdoc IInsuranceFund
    function outflowUsed() public view returns (uint256) {
        return _usedAt(block.timestamp / BUCKET_SECONDS);
    }

    /// @inheritdoc IInsuranceFund
    function outflowAllowance() external view returns (uint256) {
        return _allowanceAt(block.timestamp / BUCKET_SECONDS);
    }

    /// @notice ERC4626: zero while DEPOSIT is paused or the fund is depleted, else unlimited.
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return _depositsOpen() ? type(uint256).max : 0;
    }

    /// @notice ERC4626: zero while DEPOSIT is paused or the fund is depleted, else unlimited.
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return _depositsOpen() ? type(uint256).max : 0;
    }

    /// @notice ERC4626: the shares of `owner`'s request while it can be redeemed (and REDEEM is live), else 0.
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        RedeemRequest memory r = _requests[owner];
        bool open = block.timestamp >= r.claimableAt && block.timestamp < r.expiresAt;
        return open && block.timestamp >= pausedUntil[SCOPE_REDEEM] ? r.shares : 0;
    }

    /// @notice ERC4626: always 0, as `withdraw` is not offered.
    function maxWithdraw(address) public pure override(ERC4626, IERC4626) returns (uint256) {
        return 0;
    }

    /// @notice ERC-7540: reverts; the payout is min(value at request, value at claim).
    function previewRedeem(uint256) public pure override(ERC4626, IERC4626) returns (uint256) {
        revert InsuranceFundAsyncRedeem();
    }

    /// @notice ERC-7540: reverts; `withdraw` is not offered.
    function previewWithdraw(uint256) public pure override(ERC4626, IERC4626) returns (uint256) {
        revert InsuranceFundAsyncRedeem();
    }

    /// @notice Shares have the asset's decimals plus DECIMALS_OFFSET.
    function decimals() public view override(ERC4626, IERC20Metadata) returns (uint8) {
        return super.decimals();
    }

    // ---------------------------------------------------------------- internals

    /// @dev Depleted: supply + VIRTUAL_SHARES > MAX_SHARES_PER_ASSET * (assets + 1), so one unit would
    ///      mint more than MAX_SHARES_PER_ASSET shares. Written as (x - 1) / m > assets, which is the same
    ///      for integers (x > m * (a + 1) <=> x - 1 >= m * (a + 1) <=> floor((x - 1) / m) >= a + 1) and
    ///      cannot overflow for any balance.
    function _depleted(uint256 assets, uint256 supply) private pure returns (bool) {
        return (supply + VIRTUAL_SHARES - 1) / MAX_SHARES_PER_ASSET > assets;
    }

    function _depositsOpen() private view returns (bool) {
        return block.timestamp >= pausedUntil[SCOPE_DEPOSIT] && !_depleted(totalAssets(), totalSupply());
    }

    /// @dev Pull `amount` from the caller and return what arrived.
    function _pull(uint256 amount) private returns (uint256 received) {
        uint256 before = totalAssets();
        SafeERC20.safeTransferFrom(IERC20(asset()), msg.sender, address(this), amount);
        received = totalAssets() - before;
    }

    /// @dev Shares under a live request cannot leave their owner (burning in `redeem` clears the lock first).
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            uint256 locked = lockedShares(from);
            if (locked != 0) {
                uint256 balance = balanceOf(from);
                if (value > balance - locked) revert InsuranceFundSharesLocked(from, value, balance, locked);
            }
        }
        super._update(from, to, value);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    /// @dev Paid in buckets bucket - OUTFLOW_BUCKETS .. bucket: they cover at least the last OUTFLOW_WINDOW.
    function _usedAt(uint256 bucket) private view returns (uint256 used) {
        uint256 first = bucket > OUTFLOW_BUCKETS ? bucket - OUTFLOW_BUCKETS : 0;
        for (uint256 b = first; b <= bucket; ++b) {
            used += uint128(_outflowPairs[b >> 1] >> ((b & 1) * 128));
        }
    }

    function _allowanceAt(uint256 bucket) private view returns (uint256) {
        uint256 used = _usedAt(bucket);
        uint256 cap = _params.maxOutflow;
        return cap > used ? cap - used : 0;
    }

    function _setParams(Params memory p) private {
        bool valid = p.cooldown >= MIN_COOLDOWN && p.cooldown <= MAX_COOLDOWN && p.redeemWindow >= MIN_REDEEM_WINDOW
            && p.redeemWindow <= MAX_REDEEM_WINDOW && p.maxOutflow != 0;
        if (!valid) revert InsuranceFundInvalidParams(p);
        emit ParamsUpdated(_params, p);
        _params = p;
    }
}
