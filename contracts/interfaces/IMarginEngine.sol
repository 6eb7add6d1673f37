// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGuarded} from "./IGuarded.sol";
import {IInsuranceFund} from "./IInsuranceFund.sol";
import {IMedianOracle} from "./IMedianOracle.sol";

/// @title IMarginEngine
/// @notice Cross-margined perpetual positions in several markets over one collateral token, with
///         volatility-adjusted margin, partial liquidations, bad debt to the InsuranceFund, and circuit
///         breakers.
/// @dev Units: sizes are base units in WAD (signed: + long, - short); prices, rates and values are WAD;
///      token amounts are in the token's own decimals at the edges (deposit, withdraw, fund calls) and
///      are scaled by SCALE = 10^(18 - decimals) inside, exactly (decimals <= 18).
///
///      Accounts. Each account has `cash` (signed WAD): deposits add, withdrawals take, and every fill or
///      liquidation moves `size * price` of cash from one account to the other, so the sum of all cash is
///      exact. A position has a size and an open notional (its signed cost basis). Then, at index prices:
///        equity     = cash + sum(size * index)                       (rounded down per position)
///        collateral = cash + sum(openNotional)                       (realised value: deposits + realised PnL)
///        unrealised = equity - collateral
///        MM = sum(|size| * index * mmr), IM = sum(|size| * index * mmr * imFactor) (rounded up)
///        mmr = min(maxMmr, baseMmr + volMultiplier * sigma * sqrt(horizon / 365 days)), where sigma is
///        the market oracle's annualised volatility
///        margin ratio = equity / MM (type(int256).max without positions)
///      "Unrealised profit excluded" means min(equity, collateral) (losses count, gains do not).
///
///      Rules:
///      - Withdrawals and risk-increasing fills need min(equity, collateral) >= IM afterwards (ENG-05).
///        A fill that does not increase an account's |size| in the market needs equity >= MM afterwards.
///        A fill may not leave a position smaller than the market's dust size (other than zero).
///      - Fills: an operator both accounts approved submits (maker, taker, market, size, price); `size` is
///        the taker's change (+ buys). The price lies within maxTradeDeviation of the oracle index; the long
///        open interest stays within the market's cap when it grows; in a reduce-only market neither side
///        may increase its |size|. Sizes are zero-sum per market (ENG-02).
///      - Prices come from `read()` of the market's oracle, which reverts when the price is stale, tripped
///        or paused; that revert halts every fill, withdrawal and liquidation that needs the price (ENG-06).
///        An account's margin needs the price of every market it holds, so one halted market halts its
///        holders' withdrawals and fills everywhere. Deposits never need a price.
///      - Liquidation (`liquidate(account, market, amount)`): only when equity < MM (ENG-03). The caller
///        takes `amount` of the position over at the index price and must meet its own IM afterwards.
///        Penalty = (liquidationBonus + insuranceShare) * notional, capped so that the account's margin
///        ratio does not fall (ENG-04) and equity stays >= 0; split pro rata between the liquidator (bonus)
///        and the fund (insurance share, accrued as fees and swept by `sweepFees`).
///        Size limit: with equity E > 0, at most the amount whose close would bring the account to
///        MM * (1 + LIQUIDATION_BUFFER) without the penalty cap:
///        N* = ((1 + buffer) * MM - E) / ((1 + buffer) * mmr - bonus - share), amount <= ceil(N* / index);
///        the whole position may go when that leaves less than the dust size, or exceeds the position.
///        A liquidation may not leave the account below the dust size (other than zero), but the
///        liquidator may end with any size (it can close it to zero): dust never blocks a liquidation.
///        With E <= 0 (insolvent) the whole position in the market must go, without penalty.
///      - Bad debt: an account left with no position and negative cash is settled at once: the fund's
///        `cover` pays what it can (what arrives is credited); the rest is added to the market's deficit,
///        the account's cash is zeroed, BadDebt is emitted and the market turns reduce-only until the
///        guardian lifts it. Accounting identity (ENG-01), exact in WAD:
///        token balance * SCALE == sum(cash) + fees - sum(deficits).
///      - Collateral that delivers less than asked (fee-on-transfer) is credited with what arrived.
///      - Every entry point that moves tokens is non-reentrant.
///      - Pause scopes: TRADE (fill), LIQUIDATE, DEPOSIT, WITHDRAW. Whether pausing each can move losses
///        between users (`lossShiftingScopes()`: LIQUIDATE and DEPOSIT, which PauseGuardian's fast path
///        pauses only with shiftPauseThreshold signers):
///        LIQUIDATE: yes. An account below MM that nobody may liquidate holds a free option: if the price
///          recovers it keeps the gain; if not, its losses beyond its equity become bad debt that the
///          fund's stakers pay (and past the fund's cap, the market's deficit, which traders bear).
///        DEPOSIT: yes. A deposit is the one way to restore margin that needs no counterparty; without
///          it an account that would have cured is liquidated and pays the penalty to the liquidator and
///          the fund. (It is also what a liquidator adds to take over more positions.)
///        TRADE: no. Without fills every account keeps the position it chose and its PnL is its own size
///          times the index, as it would be if it held on; liquidation, cover and deposits keep running,
///          so every loss still lands where the rules put it. What a TRADE pause takes is the option to
///          change one's own risk. Residuals, accepted so that one signer can stop fills at once (a
///          leaked operator key printing fills at the band's edge between the accounts that approved it,
///          a mispriced band): an account without spare collateral that could have cured only by
///          reducing pays the liquidation penalty (at most liquidationBonus + insuranceShare of what is
///          liquidated), and liquidators cannot unwind on this venue what they take over.
///        WITHDRAW: no. Only cash above IM can leave, so keeping it in changes no account's equity,
///          margin or liquidation. A deficit is owed to all accounts alike; a pause (which ends for all at
///          the same second) neither adds to it nor picks who bears it.
interface IMarginEngine is IGuarded {
    /// @notice A market's risk parameters, set by the guardian within the bounds below.
    struct RiskParams {
        uint64 baseMmr; // [wad] maintenance margin rate floor, in [MIN_BASE_MMR, MAX_BASE_MMR]
        uint64 maxMmr; // [wad] maintenance margin rate cap, in [baseMmr, 1]
        uint64 volMultiplier; // [wad] multiple of the horizon volatility added to baseMmr, <= MAX_VOL_MULTIPLIER
        uint32 horizon; // [s] the volatility horizon, in [1 hour, 30 days]
        uint64 imFactor; // [wad] IM / MM, in [1, MAX_IM_FACTOR]
        uint64 liquidationBonus; // [wad] of the liquidated notional, to the liquidator
        uint64 insuranceShare; // [wad] of the liquidated notional, to the fund; bonus + share < baseMmr
        uint64 maxTradeDeviation; // [wad] most a fill price may deviate from the index, in (0, MAX_TRADE_DEVIATION]
        uint128 openInterestCap; // [wad base] most long open interest, > 0
        uint128 dustSize; // [wad base] smallest position kept open, < openInterestCap
    }

    /// @notice One fill between two accounts, submitted by an operator both approved.
    struct Fill {
        address maker;
        address taker;
        uint256 market;
        int256 size; // [wad base] the taker's change: + buys from the maker, - sells to it
        uint256 price; // [wad]
    }

    /// @notice A market's state.
    struct MarketState {
        IMedianOracle oracle;
        bool reduceOnly; // set by bad debt, lifted by the guardian
        uint256 openInterest; // [wad base] sum of long sizes
        uint256 deficit; // [wad] bad debt the fund did not cover
        RiskParams risk;
    }

    /// @notice An account's margin figures at current index prices (all WAD).
    struct AccountState {
        int256 equity;
        int256 collateral;
        uint256 maintenanceMargin;
        uint256 initialMargin;
    }

    error MarginEngineInvalidCollateral(uint8 decimals); // more than 18 decimals
    error MarginEngineZeroAddress();
    error MarginEngineZeroAmount();
    error MarginEngineInvalidRiskParams(RiskParams params);
    error MarginEngineTooManyMarkets(uint256 maximum);
    /// @notice The deployment lists `oracles` oracles but `risks` risk parameter sets.
    error MarginEngineMarketsMismatch(uint256 oracles, uint256 risks);
    error MarginEngineUnknownMarket(uint256 market, uint256 markets);
    error MarginEngineNotOperator(address account, address operator);
    error MarginEngineSelfTrade(address account);
    error MarginEnginePriceOutOfBand(uint256 market, uint256 price, uint256 index, uint256 maxDeviation);
    error MarginEngineOpenInterestCap(uint256 market, uint256 openInterest, uint256 cap);
    error MarginEngineReduceOnly(uint256 market, address account);
    error MarginEngineDustPosition(address account, uint256 market, int256 size, uint256 dustSize);
    /// @notice After a withdrawal or risk-increasing fill, equity without unrealised profit < IM.
    error MarginEngineInsufficientMargin(address account, int256 equityWithoutProfit, uint256 initialMargin);
    /// @notice After a reducing fill, equity < MM.
    error MarginEngineUnhealthy(address account, int256 equity, uint256 maintenanceMargin);
    /// @notice `account` has equity >= MM: it cannot be liquidated (ENG-03).
    error MarginEngineNotLiquidatable(address account, int256 equity, uint256 maintenanceMargin);
    error MarginEngineSelfLiquidation(address account);
    error MarginEngineNoPosition(address account, uint256 market);
    /// @notice The liquidation `amount` exceeds `maximum` (the position, or what restores the account).
    error MarginEngineLiquidationTooLarge(address account, uint256 market, uint256 amount, uint256 maximum);
    /// @notice An insolvent account's position must be closed whole: `amount` given, `size` held.
    error MarginEngineMustCloseWhole(address account, uint256 market, uint256 amount, uint256 size);

    event Deposited(address indexed account, uint256 amount, uint256 received);
    event Withdrawn(address indexed account, address indexed receiver, uint256 amount);
    event OperatorUpdated(address indexed account, address indexed operator, bool approved);
    event Filled(
        uint256 indexed market, address indexed maker, address indexed taker, int256 size, uint256 price, address operator
    );
    event Liquidated(
        uint256 indexed market,
        address indexed account,
        address indexed liquidator,
        int256 size,
        uint256 price,
        uint256 bonus,
        uint256 insuranceShare
    );
    /// @notice `account` ended with `debt` (WAD) and no position: the fund paid `covered`, the rest went to
    ///         `market`'s deficit, which is now `deficit`; the market is reduce-only.
    event BadDebt(uint256 indexed market, address indexed account, uint256 debt, uint256 covered, uint256 deficit);
    event MarketAdded(uint256 indexed market, IMedianOracle oracle, RiskParams risk);
    event RiskParamsUpdated(uint256 indexed market, RiskParams previous, RiskParams current);
    event ReduceOnlyUpdated(uint256 indexed market, bool reduceOnly);
    event DeficitRepaid(uint256 indexed market, address indexed payer, uint256 amount, uint256 deficit);
    event FeesSwept(uint256 amount);

    /// @notice The insurance fund that covers bad debt and receives insurance shares.
    function FUND() external view returns (IInsuranceFund);

    /// @notice The collateral token.
    function COLLATERAL() external view returns (address);

    /// @notice 10^(18 - collateral decimals): token amount * SCALE = WAD value.
    function SCALE() external view returns (uint256);

    /// @notice Deposit `amount` of collateral to the caller's account (credits what arrives).
    /// @dev Paused with DEPOSIT. Emits Deposited.
    function deposit(uint256 amount) external;

    /// @notice Withdraw `amount` of collateral to `receiver`; needs min(equity, collateral) >= IM after.
    /// @dev Paused with WITHDRAW; needs a live price for every market the caller holds. Emits Withdrawn.
    function withdraw(uint256 amount, address receiver) external;

    /// @notice Approve or revoke `operator` to submit fills for the caller. Emits OperatorUpdated.
    function setOperator(address operator, bool approved) external;

    /// @notice Settle one fill between two accounts that approved the caller as operator.
    /// @dev Paused with TRADE. Rules in the contract notes. Emits Filled.
    function fill(Fill calldata f) external;

    /// @notice Take over `amount` (base units, WAD) of `account`'s position in `market` at the index price.
    /// @dev Paused with LIQUIDATE. Rules in the contract notes. Emits Liquidated, and BadDebt when the
    ///      account is left with debt and no position.
    function liquidate(address account, uint256 marketId, uint256 amount) external;

    /// @notice Pay the accrued insurance shares (whole token units) to the fund as revenue. Anyone may call.
    /// @dev Emits FeesSwept.
    function sweepFees() external returns (uint256 amount);

    /// @notice Pay `amount` of collateral towards `market`'s deficit. Anyone may call.
    /// @dev Emits DeficitRepaid.
    function repayDeficit(uint256 marketId, uint256 amount) external;

    /// @notice Add a market priced by `oracle`. Only the guardian. Emits MarketAdded.
    function addMarket(IMedianOracle oracle, RiskParams calldata risk) external returns (uint256 marketId);

    /// @notice Replace a market's risk parameters. Only the guardian. Emits RiskParamsUpdated.
    function setRiskParams(uint256 marketId, RiskParams calldata risk) external;

    /// @notice Lift (or set) a market's reduce-only flag. Only the guardian. Emits ReduceOnlyUpdated.
    function setReduceOnly(uint256 marketId, bool reduceOnly) external;

    /// @notice The number of markets; ids are 0 .. marketCount - 1.
    function marketCount() external view returns (uint256);

    /// @notice A market's oracle, flags, open interest, deficit and risk parameters.
    function market(uint256 marketId) external view returns (MarketState memory);

    /// @notice `account`'s cash (signed WAD).
    function cash(address account) external view returns (int256);

    /// @notice `account`'s position in `market`: size (signed WAD base) and open notional (signed WAD).
    function position(address account, uint256 marketId) external view returns (int256 size, int256 openNotional);

    /// @notice Whether `operator` may submit fills for `account`.
    function isOperator(address account, address operator) external view returns (bool);

    /// @notice Accrued insurance shares not yet swept to the fund (WAD).
    function fees() external view returns (uint256);

    /// @notice `market`'s maintenance margin rate now (WAD).
    function mmr(uint256 marketId) external view returns (uint256);

    /// @notice `account`'s equity, collateral, MM and IM at current index prices (reverts on a halted price).
    function accountState(address account) external view returns (AccountState memory);

    /// @notice equity / MM in WAD; type(int256).max for an account without positions.
    function marginRatio(address account) external view returns (int256);

    /// @notice The index price of `market` at which `account` would reach equity == MM, other prices fixed;
    ///         0 if there is none (no position, or a long that no positive price liquidates).
    function liquidationPrice(address account, uint256 marketId) external view returns (uint256);

    /// @notice The most of `account`'s position in `market` a liquidation may take now (0 if healthy).
    function maxLiquidation(address account, uint256 marketId) external view returns (uint256);
}
