// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IGuarded} from "./IGuarded.sol";

/// @title IInsuranceFund
/// @notice A staked ERC4626 vault over the collateral token that absorbs the suite's bad debt.
/// @dev Assumptions and rules:
///      - Shares: OpenZeppelin ERC4626 with DECIMALS_OFFSET virtual-share decimals, so a first depositor
///        cannot profitably inflate the share price against later ones. `totalAssets()` is the token
///        balance (donations raise the share price; there is no separate book to drift from it).
///        A deposit that would mint zero shares reverts instead of taking the assets.
///      - Depletion: the fund is depleted while one asset unit would mint more than
///        MAX_SHARES_PER_ASSET (10^12) shares, i.e. while
///        `totalSupply() + 10^DECIMALS_OFFSET > MAX_SHARES_PER_ASSET * (totalAssets() + 1)`, which
///        needs shares outstanding (with none the rate is at most 10^DECIMALS_OFFSET). While depleted,
///        `deposit` and `mint` revert with InsuranceFundDepleted and `maxDeposit`/`maxMint` return 0.
///        Why refuse at all: past such a rate a deposit still gets what it paid, but with every full
///        drain the next deposit multiplies the supply by about its size in units (10^21 for 1,000
///        18-decimal tokens), so a few drains overflow it (without this rule: at the fourth deposit of
///        900 18-decimal tokens, after three drains). Why this bound: a share starts at
///        10^DECIMALS_OFFSET per unit, so deposits stay open until the share price has fallen to a
///        millionth of its initial value (a fund that lost 99.9% mints about 10^9 per unit, a thousandth
///        of the bound), while a fund emptied by cover is refused once its supply exceeds
///        10^12 - 10^6 shares (any fund that took one whole 6-decimal token, 10^6 units, at the initial
///        price). Every deposit or mint thus makes at most MAX_SHARES_PER_ASSET shares per unit it
///        brings in, so `totalSupply()` never exceeds MAX_SHARES_PER_ASSET times all assets ever
///        deposited (2^256 / 10^12 is about 10^65 units): no number of drains overflows it. Of the
///        fund's own operations only cover raises shares per unit; deposits, mints, redemptions,
///        revenue and donations never do.
///      - Recapitalisation: anyone may pay `addRevenue` into a depleted fund; the revenue belongs to
///        the stakers who bore the loss. Once `totalAssets()` reaches
///        ceil((totalSupply() + 10^DECIMALS_OFFSET) / MAX_SHARES_PER_ASSET) - 1 deposits are open again,
///        at a share price no worse than the bound (a donation has the same effect). Exits never depend
///        on it: a depleted fund's stakers request and redeem as always, for what their shares are worth.
///      - Tokens that deliver less than asked (fee-on-transfer): `deposit` mints shares for what
///        arrived, priced on the balance before the transfer, so no other staker is diluted; `mint`
///        cannot deliver exact shares for a short transfer and reverts; `addRevenue` counts what
///        arrived. Deposit and Withdraw events carry the assets that actually moved.
///      - Withdrawals are two-step (asynchronous, in the manner of ERC-7540): `requestRedeem(shares)`
///        records the shares and their value at the request, and locks them (no transfer, no second
///        request) until the request is redeemed, cancelled or expires. After `cooldown`, the owner (or an
///        account it approved for the shares) may `redeem` exactly the requested shares while the
///        request's window is open, for min(value at request, value now): stakers cannot run from a
///        loss they see coming, nor take gains that arrive while they are leaving (those stay with the
///        fund). The plain ERC4626 `withdraw` always reverts, `redeem` without a matured request
///        reverts, and `previewRedeem`/`previewWithdraw` revert (ERC-7540: the payout is only known at
///        claim time). Cooldown and window lengths are fixed per request when it is made.
///      - Cover: only engines registered by the guardian may call `cover(amount)`. It pays
///        min(amount, balance, remaining outflow allowance) to the engine, returns what it paid, emits
///        Covered, and emits Shortfall with the unpaid part when it pays less than asked.
///      - Outflow cap: what `cover` pays in any interval of OUTFLOW_WINDOW seconds is at most
///        `maxOutflow`. It is enforced over OUTFLOW_BUCKETS + 1 buckets of
///        ceil(OUTFLOW_WINDOW / OUTFLOW_BUCKETS) seconds each, so the rule is conservative: a payout
///        leaves the tally up to one bucket later than exactly OUTFLOW_WINDOW after it.
///        OUTFLOW_WINDOW is fixed at deployment (re-bucketing live history is not worth its risk);
///        `maxOutflow` is set by the guardian.
///      - Pause scopes (set by the guardian): DEPOSIT (deposit, mint), REQUEST (requestRedeem),
///        REDEEM (redeem), COVER (cover). Cancelling a request and paying revenue are never paused.
///        Whether pausing each can move losses between users (`lossShiftingScopes()`: REQUEST, REDEEM
///        and COVER, which PauseGuardian's fast path pauses only with shiftPauseThreshold signers):
///        COVER: yes. Bad debt the fund exists to pay is owed instead by the other side of the market it
///          came from (the engine's traders), until the fund pays it later.
///        REDEEM: yes. A staker that served its cooldown is kept in: its window (possibly as short as
///          MIN_REDEEM_WINDOW, shorter than a pause) can close, its request lapses and a new cooldown
///          starts, and the losses of that extra time fall on it instead of on the stakers who stay.
///        REQUEST: yes. Every exit starts later by the length of the pause, so the losses of that time
///          fall on stakers who wanted to leave instead of on those who stay; re-pausing it keeps every
///          staker's capital behind the traders.
///        DEPOSIT: no. No one's shares, requests or claims change; it only keeps new capital out, which
///          the rules never owed to anyone (a newcomer who would have shared a coming loss is spared,
///          not charged).
interface IInsuranceFund is IERC4626, IGuarded {
    /// @notice A staker's pending redemption.
    struct RedeemRequest {
        uint256 shares; // [shares] locked until redeemed, cancelled or expired: any amount a deposit mints
        uint128 assets; // [assets] their value when requested: the most the redemption can pay
        uint64 claimableAt; // [unix s] the cooldown ends
        uint64 expiresAt; // [unix s] the window closes; the shares unlock
    }

    /// @notice The guardian-set parameters.
    struct Params {
        uint64 cooldown; // [s] from request to the opening of the redeem window
        uint64 redeemWindow; // [s] how long a matured request can be redeemed
        uint128 maxOutflow; // [assets] most `cover` may pay in any OUTFLOW_WINDOW
    }

    /// @notice Parameters out of bounds: cooldown or window outside its [min, max], or a zero maxOutflow.
    error InsuranceFundInvalidParams(Params params);
    /// @notice The outflow window given at deployment lies outside [minimum, maximum].
    error InsuranceFundInvalidOutflowWindow(uint256 outflowWindow, uint256 minimum, uint256 maximum);
    /// @notice The fund is depleted: `totalSupply` shares against `totalAssets` would mint more than
    ///         MAX_SHARES_PER_ASSET shares per unit deposited. Deposits reopen after `addRevenue`.
    error InsuranceFundDepleted(uint256 totalAssets, uint256 totalSupply);
    /// @notice The amount (of assets or shares) is zero.
    error InsuranceFundZeroAmount();
    /// @notice A deposit of `assets` (of which `received` arrived) would mint no shares.
    error InsuranceFundZeroShares(uint256 assets, uint256 received);
    /// @notice A transfer in delivered `received` of the `expected` assets (fee-on-transfer `mint`).
    error InsuranceFundTransferShortfall(uint256 expected, uint256 received);
    /// @notice `withdraw` is not offered: request, wait the cooldown, then `redeem`.
    error InsuranceFundWithdrawUnsupported();
    /// @notice The payout is known only when a request is redeemed (ERC-7540): no preview.
    error InsuranceFundAsyncRedeem();
    /// @notice `owner` has no request to act on (`redeem`: none at all, so call requestRedeem and wait the
    ///         cooldown; `cancelRedeem`: no live one).
    error InsuranceFundCooldownRequired(address owner);
    /// @notice `owner`'s request matures at `claimableAt`; it is `timestamp` now.
    error InsuranceFundCooldownActive(address owner, uint256 timestamp, uint256 claimableAt);
    /// @notice `owner`'s request expired at `expiresAt`; request again.
    error InsuranceFundRequestExpired(address owner, uint256 expiresAt);
    /// @notice `owner` already has a live request for `shares` (until `expiresAt`).
    error InsuranceFundRequestPending(address owner, uint256 shares, uint256 expiresAt);
    /// @notice A redemption must take exactly the requested shares: asked `shares`, requested `requested`.
    error InsuranceFundRedeemMismatch(address owner, uint256 shares, uint256 requested);
    /// @notice `owner` holds `balance` shares, of which `locked` are under request: `shares` is too many.
    error InsuranceFundSharesLocked(address owner, uint256 shares, uint256 balance, uint256 locked);
    /// @notice `caller` is not a registered engine.
    error InsuranceFundNotEngine(address caller);
    /// @notice Registering `engine` as `registered` changes nothing (or it is the zero address).
    error InsuranceFundEngineMembership(address engine, bool registered);

    /// @notice `owner` asked to redeem `shares`, worth `assets` now; claimable in [claimableAt, expiresAt).
    event RedeemRequested(address indexed owner, uint256 shares, uint256 assets, uint64 claimableAt, uint64 expiresAt);
    /// @notice `owner` withdrew its request for `shares`; they are unlocked.
    event RedeemCancelled(address indexed owner, uint256 shares);
    /// @notice `owner` redeemed `shares` requested at `requestedAssets` for `paid` assets (the lower value).
    event RedeemClaimed(address indexed owner, uint256 shares, uint256 requestedAssets, uint256 paid);
    /// @notice `engine` asked for `requested` and was paid `paid`.
    event Covered(address indexed engine, uint256 requested, uint256 paid);
    /// @notice `engine` was paid `unpaid` less than it asked; the fund held `balance` and the outflow
    ///         cap allowed `allowance` before the payout.
    event Shortfall(address indexed engine, uint256 unpaid, uint256 balance, uint256 allowance);
    /// @notice `payer` paid in revenue: `amount` asked, `received` arrived (raising the share price).
    event RevenueReceived(address indexed payer, uint256 amount, uint256 received);
    /// @notice The guardian (de)registered `engine`.
    event EngineUpdated(address indexed engine, bool registered);
    /// @notice The guardian changed the parameters.
    event ParamsUpdated(Params previous, Params current);

    /// @notice Virtual-share decimals: shares have the asset's decimals plus this.
    function DECIMALS_OFFSET() external view returns (uint8);

    /// @notice The most shares a deposit may mint per asset unit (10^12: a million times the initial
    ///         10^DECIMALS_OFFSET); beyond it the fund is depleted and refuses deposits (see the rules).
    function MAX_SHARES_PER_ASSET() external view returns (uint256);

    /// @notice The outflow cap's window length in seconds, fixed at deployment.
    function OUTFLOW_WINDOW() external view returns (uint256);

    /// @notice Lock `shares` of the caller for redemption at min(their value now, their value when redeemed).
    /// @dev Paused with REQUEST. Reverts with InsuranceFundZeroAmount, InsuranceFundRequestPending while a
    ///      request is live, and InsuranceFundSharesLocked when `shares` exceeds the balance.
    ///      Emits RedeemRequested.
    /// @return assets The value of `shares` now: the most the redemption will pay.
    function requestRedeem(uint256 shares) external returns (uint256 assets);

    /// @notice Withdraw the caller's live request, unlocking its shares. Never paused.
    /// @dev Reverts with InsuranceFundCooldownRequired if there is no live request. Emits RedeemCancelled.
    function cancelRedeem() external;

    /// @notice Pay bad debt: send min(amount, balance, outflow allowance) to the calling engine.
    /// @dev Only registered engines; paused with COVER. Emits Covered, and Shortfall when short.
    /// @return paid What was transferred to the engine.
    function cover(uint256 amount) external returns (uint256 paid);

    /// @notice Pay `amount` of the asset into the fund as revenue for stakers (pulled from the caller).
    /// @dev Anyone may pay; never paused, not even while depleted: it is how a depleted fund is
    ///      recapitalised. Emits RevenueReceived.
    /// @return received What arrived (less than `amount` for a fee-on-transfer token).
    function addRevenue(uint256 amount) external returns (uint256 received);

    /// @notice Register or deregister an engine allowed to call `cover`. Only the guardian.
    /// @dev Reverts with InsuranceFundEngineMembership if nothing would change. Emits EngineUpdated.
    function setEngine(address engine, bool registered) external;

    /// @notice Replace the parameters. Only the guardian; bounds in InsuranceFundInvalidParams.
    /// @dev Live requests keep the cooldown and window they were made with. Emits ParamsUpdated.
    function setParams(Params calldata newParams) external;

    /// @notice The current parameters.
    function params() external view returns (Params memory);

    /// @notice `owner`'s request (zero if none; it may have expired: compare `expiresAt` with now).
    function redeemRequest(address owner) external view returns (RedeemRequest memory);

    /// @notice Shares of `owner` that cannot move now because they are under a live request.
    function lockedShares(address owner) external view returns (uint256);

    /// @notice What `owner`'s request would pay if redeemed now: zero unless its window is open and REDEEM
    ///         is live (the same condition as `maxRedeem`).
    function claimableAssets(address owner) external view returns (uint256);

    /// @notice Whether `engine` may call `cover`.
    function isEngine(address engine) external view returns (bool);

    /// @notice What `cover` has paid within the current outflow tally (the last OUTFLOW_BUCKETS + 1 buckets).
    function outflowUsed() external view returns (uint256);

    /// @notice What `cover` may still pay now under the outflow cap.
    function outflowAllowance() external view returns (uint256);
}
