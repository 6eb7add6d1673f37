// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGuarded} from "./IGuarded.sol";
import {IInsuranceFund} from "./IInsuranceFund.sol";
import {IMedianOracle} from "./IMedianOracle.sol";

/// @title IMarginEngine
/// @notice Perpetual positions in several markets over one collateral token, held in numbered subaccounts
///         (each cross-margined on its own), with volatility-adjusted margin, partial liquidations, bad
///         debt to the market's InsuranceFund, isolated markets, and circuit breakers.
/// @dev Units: sizes are base units in WAD (signed: + long, - short); prices, rates and values are WAD;
///      token amounts are in the token's own decimals at the edges (deposit, withdraw, fund calls) and
///      are scaled by SCALE = 10^(18 - decimals) inside, exactly (decimals <= 18).
///
///      Subaccounts. Every owner address has subaccounts numbered by a uint96 id. Each is an account of
///      its own, named by its address `subaccount(owner, id)`: the owner itself for id 0 (so an address
///      that never names an id uses the engine exactly as one account), else the low 160 bits of
///      keccak256(abi.encode(owner, id)), recorded with SubaccountOpened the first time the owner names it.
///      Margin, fills, liquidation and bad debt are per subaccount: nothing in one subaccount's state
///      enters another's margin (ENG-09). Every event names the subaccount's address; `subaccountOf`
///      gives its owner and id. An owner moves cash between its subaccounts with `transferMargin`, which
///      needs min(equity, collateral) >= IM of the source afterwards (as a withdrawal, ENG-05). Operators
///      are approved for all of an owner's subaccounts (`setOperator`) or for one (`setSubaccountOperator`).
///      Two subaccounts of one owner never trade with each other, and an owner never liquidates its own.
///
///      Isolated markets. A market listed with its own InsuranceFund (constructor `funds`, or
///      `addIsolatedMarket`; fixed for the market's life) is isolated: only a subaccount that holds no other
///      market may open a position in it, and a subaccount holding it opens nothing else (ENG-10). Its bad
///      debt is covered only by its own fund, then shared with its own other side; its insurance shares
///      and rounding surplus accrue to its own `fees` (MarketState.fees), swept to its own fund by
///      `sweepMarketFees` after netting only its own shared losses. The shared pool (`fees`, `sweepFees`)
///      and FUND never pay an isolated market's losses, and an isolated market's fund serves no other
///      market. Every other market is shared and covered by FUND.
///
///      Accounts. Each account (subaccount) has `cash` (signed WAD): deposits add, withdrawals take, and every fill or
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
///        So does `transferMargin` for the source subaccount.
///        A fill that does not increase an account's |size| in the market needs equity >= MM afterwards.
///        A fill may not leave a position smaller than the market's dust size (other than zero).
///      - Fills: an operator both accounts approved submits (maker, taker, market, size, price); `size` is
///        the taker's change (+ buys). The price lies within maxTradeDeviation of the oracle index; the long
///        open interest stays within the market's cap when it grows; in a reduce-only market neither side
///        may increase its |size|. Sizes are zero-sum per market (ENG-02).
///      - Prices come from `read()` of the market's oracle, which reverts when the price is stale, tripped
///        or paused; that revert halts every fill, withdrawal and liquidation that needs the price (ENG-06).
///        An account's margin needs the price of every market it holds, so one halted market halts its
///        holders' withdrawals, transfers out, fills and liquidations everywhere, and nobody else's: every
///        other subaccount, of the same owner too, keeps trading, withdrawing and being liquidated
///        (ENG-11). Deposits never need a price.
///      - Liquidation (`liquidate(account, market, amount)`): only when equity < MM (ENG-03). The caller
///        takes `amount` of the position over at the index price and must meet its own IM afterwards.
///        The account's equity is unchanged by the transfer; a dust rule applies to the account only
///        (it may not be left below the dust size other than zero), so dust never blocks a liquidation.
///      - Solvent accounts (E = equity > 0): penalty = (liquidationBonus + insuranceShare) * notional,
///        capped so that the margin ratio does not fall (ENG-04) and equity stays >= 0; split pro rata
///        between the liquidator (bonus) and the fund (insurance share, accrued as fees, `sweepFees`).
///        Size limit: at most the amount whose close would bring the account to MM * (1 + buffer)
///        without the penalty cap: N* = ((1 + buffer) * MM - E) / ((1 + buffer) * mmr - bonus - share),
///        amount <= ceil(N* / index); the whole position may go when that leaves less than the dust size,
///        or exceeds the position.
///      - Insolvent accounts (E <= 0) close in parts: any amount up to the position, so several
///        liquidators may each take what their own IM allows. Each part settles its share of the debt
///        at once, so the debt booked is what the account owed when its parts were taken (ENG-07):
///          loss_k = max(0, -(size_k * index_k - openNotional_k - owed_k)) per held market k, and
///          debt = -E * loss_m / sum(loss_k) * amount / |size_m| (by notional when no market shows a
///          loss; all of -E when the part closes the last of the account's loss weight).
///        The fund's `cover` is asked for debt + bonus (bonus = liquidationBonus * notional): what it pays
///        goes to the debt first, then to the liquidator's bonus (a fund that cannot pay means no bonus:
///        the opposite side, which owns the rest, is then the party that gains by closing promptly).
///        The account's cash is credited with the debt; BadDebt is emitted.
///      - Loss sharing (ENG-07): debt the fund did not pay is owed at once by the other side of the
///        same market (the shorts for a long's loss), pro rata to size: the side's loss index grows by
///        ceil(ceil(amount / openInterest) / scale) per unit, and each position on that side owes
///        ceil(ceil(|size| * (index - its snapshot)) * scale). What a position owes counts in its
///        account's equity and collateral at once and is taken from its cash the next time the position
///        changes. A position opened later owes nothing of it. LossShared is emitted and the market turns
///        reduce-only until the guardian lifts it. Nobody else pays: not depositors, not other markets'
///        traders.
///      - Recovery: the fund still pays later what positions owe. `sweepFees` nets accrued fees against
///        it first, and anyone may call `coverLoss(market)` once the fund's cap frees. A recovery relieves
///        every position that still owes pro rata to what it owes (the side's scale shrinks by the
///        recovered fraction); a position that already paid (its position changed) is not refunded, and
///        one opened after the loss gets nothing. Paying all the side owes starts a new era.
///      - Accounting identity (ENG-01), exact in WAD at every moment:
///        token balance * SCALE == sum(cash) + fees + sum(market fees) - sum(unsettled); and since what
///        positions owe is rounded up, token balance * SCALE >= sum(cash - loss owed) + fees +
///        sum(market fees): every account can withdraw what the rules leave it, in any order (ENG-08).
///        (market fees: isolated markets' own accrued fees, 0 for shared markets.)
///      - Collateral that delivers less than asked (fee-on-transfer) is credited with what arrived.
///      - Every entry point that moves tokens is non-reentrant.
///      - Pause scopes: TRADE (fill), LIQUIDATE, DEPOSIT (deposits and transfers between subaccounts: a
///        transfer is a deposit to its target), WITHDRAW. Whether pausing each can move losses
///        between users (`lossShiftingScopes()`: LIQUIDATE and DEPOSIT, which PauseGuardian's fast path
///        pauses only with shiftPauseThreshold signers):
///        LIQUIDATE: yes. An account below MM that nobody may liquidate holds a free option: if the price
///          recovers it keeps the gain; if not, its losses beyond its equity become bad debt that the
///          fund's stakers pay (and past the fund's cap, the market's other side).
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
///          margin or liquidation. A shared loss counts in its owners' equity at once, so a pause (which
///          ends for all at the same second) neither adds to any loss nor picks who bears it (ENG-08).
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

    /// @notice One side (longs or shorts) of a market's shared losses.
    /// @dev A position owes ceil(ceil(|size| * (index - its snapshot)) * scale) while its era is current.
    struct SideLoss {
        uint256 index; // cumulative loss per unit of size, each share divided by the scale at the time
        int256 unsettled; // [wad] what the side's positions still owe (rounding: each owes a little more)
        uint128 scale; // [wad] the part of what they owe that is not recovered yet (WAD: nothing recovered)
        uint64 era; // bumped when a recovery pays all the side owes: older snapshots owe nothing
    }

    /// @notice A market's state.
    struct MarketState {
        IMedianOracle oracle;
        bool reduceOnly; // set when a loss is shared, lifted by the guardian
        bool lossShared; // a loss was ever shared in this market (positions may owe part of it)
        uint256 openInterest; // [wad base] sum of long sizes (= sum of short sizes)
        uint256 sharedLoss; // [wad] all bad debt the fund did not pay at once, shared with a side
        uint256 recoveredLoss; // [wad] of it, what the fund paid later (coverLoss, netted fees)
        SideLoss longs; // what the longs owe (of a short's bad debt)
        SideLoss shorts; // what the shorts owe (of a long's bad debt)
        RiskParams risk;
        IInsuranceFund fund; // covers its bad debt: FUND for a shared market, its own for an isolated one
        uint256 fees; // [wad] an isolated market's accrued insurance shares, owed to its own fund (0 if shared)
    }

    /// @notice The owner and id of a subaccount other than id 0 (an owner's own address is its id 0).
    struct Subaccount {
        address owner;
        uint96 id;
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
    /// @notice The deployment lists `oracles` oracles but `risks` risk parameter sets and `funds` funds.
    error MarginEngineMarketsMismatch(uint256 oracles, uint256 risks, uint256 funds);
    /// @notice An isolated market's `fund` holds `asset`, not the engine's `collateral`.
    error MarginEngineFundAsset(IInsuranceFund fund, address asset, address collateral);
    /// @notice `fund` already backs `market` (type(uint256).max: it is the shared FUND).
    error MarginEngineFundInUse(IInsuranceFund fund, uint256 market);
    /// @notice `market` is not isolated (`sweepMarketFees`).
    error MarginEngineNotIsolated(uint256 market);
    /// @notice `account`, holding the markets in bitmask `held`, may not open `market`: an isolated market
    ///         is held only by a subaccount that holds nothing else.
    error MarginEngineIsolatedMarket(address account, uint256 market, uint256 held);
    /// @notice `transferMargin` from subaccount `id` to itself.
    error MarginEngineSameSubaccount(uint96 id);
    error MarginEngineUnknownMarket(uint256 market, uint256 markets);
    /// @notice `operator` is approved neither for all of `account`'s owner's subaccounts nor for `account`.
    error MarginEngineNotOperator(address account, address operator);
    /// @notice Both sides of a fill are subaccounts of `owner`.
    error MarginEngineSelfTrade(address owner);
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
    /// @notice The caller owns `account`, the subaccount it tried to liquidate.
    error MarginEngineSelfLiquidation(address account);
    error MarginEngineNoPosition(address account, uint256 market);
    /// @notice `coverLoss`: no position of `market` owes anything of a shared loss.
    error MarginEngineNoLossOwed(uint256 market);
    /// @notice `coverLoss`: the fund paid nothing of the `owed` (WAD) asked (paused, empty or at its cap).
    error MarginEngineFundPaidNothing(uint256 market, uint256 owed);
    /// @notice The liquidation `amount` exceeds `maximum` (the position, or what restores the account).
    error MarginEngineLiquidationTooLarge(address account, uint256 market, uint256 amount, uint256 maximum);

    event Deposited(address indexed account, uint256 amount, uint256 received);
    event Withdrawn(address indexed account, address indexed receiver, uint256 amount);
    /// @notice `owner` approved (or revoked) `operator` for all its subaccounts.
    event OperatorUpdated(address indexed owner, address indexed operator, bool approved);
    /// @notice Subaccount `account` approved (or revoked) `operator` for itself only.
    event SubaccountOperatorUpdated(address indexed account, address indexed operator, bool approved);
    /// @notice `owner` named its subaccount `id` for the first time; its address is `account`.
    event SubaccountOpened(address indexed owner, uint96 indexed id, address indexed account);
    /// @notice `amount` token units of cash moved from subaccount `from` to `to`, of one owner.
    event MarginTransferred(address indexed from, address indexed to, uint256 amount);
    /// @notice `market` is isolated: `fund` alone covers its bad debt and receives its fees.
    event MarketIsolated(uint256 indexed market, IInsuranceFund fund);
    /// @notice Isolated `market`'s accrued fees: `amount` token units went to its fund as revenue, after
    ///         `netted` (WAD) of them paid what its positions still owed of shared losses.
    event MarketFeesSwept(uint256 indexed market, uint256 amount, uint256 netted);
    event Filled(
        uint256 indexed market,
        address indexed maker,
        address indexed taker,
        int256 size,
        uint256 price,
        address operator
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
    /// @notice A part of insolvent `account`'s position in `market` was closed: `debt` (WAD) of its debt was
    ///         booked to `market`; the fund paid `covered` of it; the rest was shared (LossShared).
    event BadDebt(uint256 indexed market, address indexed account, uint256 debt, uint256 covered);
    /// @notice `amount` (WAD) of `market`'s bad debt is owed by its longs (`longs`) or shorts, pro rata to
    ///         size over `openInterest`; that side's loss index is now `lossIndex`. The market is reduce-only.
    event LossShared(uint256 indexed market, bool longs, uint256 amount, uint256 openInterest, uint256 lossIndex);
    event MarketAdded(uint256 indexed market, IMedianOracle oracle, RiskParams risk);
    event RiskParamsUpdated(uint256 indexed market, RiskParams previous, RiskParams current);
    event ReduceOnlyUpdated(uint256 indexed market, bool reduceOnly);
    /// @notice `amount` token units of fees went to the fund as revenue, after `netted` (WAD) of them paid
    ///         what positions still owed of shared losses.
    event FeesSwept(uint256 amount, uint256 netted);
    /// @notice The fund paid `amount` (WAD) of what `market`'s longs (`longs`) or shorts still owed, pro rata
    ///         to what each owed; they now owe `unsettled`.
    event LossRecovered(uint256 indexed market, bool longs, uint256 amount, int256 unsettled);

    /// @notice The shared insurance fund: it covers every shared market's bad debt and receives their
    ///         insurance shares.
    function FUND() external view returns (IInsuranceFund);

    /// @notice The collateral token.
    function COLLATERAL() external view returns (address);

    /// @notice 10^(18 - collateral decimals): token amount * SCALE = WAD value.
    function SCALE() external view returns (uint256);

    /// @notice Deposit `amount` of collateral to the caller's account (credits what arrives).
    /// @dev Paused with DEPOSIT. Emits Deposited.
    function deposit(uint256 amount) external;

    /// @notice Deposit `amount` of collateral to the caller's subaccount `id` (credits what arrives).
    /// @dev Paused with DEPOSIT. Emits SubaccountOpened (first use) and Deposited.
    function depositTo(uint96 id, uint256 amount) external;

    /// @notice Withdraw `amount` of collateral to `receiver`; needs min(equity, collateral) >= IM after.
    /// @dev Paused with WITHDRAW; needs a live price for every market the caller holds. Emits Withdrawn.
    function withdraw(uint256 amount, address receiver) external;

    /// @notice Withdraw `amount` of collateral from the caller's subaccount `id` to `receiver`; needs
    ///         min(equity, collateral) >= IM of that subaccount after.
    /// @dev Paused with WITHDRAW; needs a live price for every market that subaccount holds only.
    ///      Emits Withdrawn.
    function withdrawFrom(uint96 id, uint256 amount, address receiver) external;

    /// @notice Move `amount` token units of cash from the caller's subaccount `from` to its subaccount `to`;
    ///         needs min(equity, collateral) >= IM of `from` afterwards (unrealised profit excluded).
    /// @dev Paused with DEPOSIT; needs a live price for every market `from` holds only. Emits
    ///      SubaccountOpened (first use of `to`) and MarginTransferred.
    function transferMargin(uint96 from, uint96 to, uint256 amount) external;

    /// @notice The address of `owner`'s subaccount `id`: `owner` for id 0, else the low 160 bits of
    ///         keccak256(abi.encode(owner, id)).
    function subaccount(address owner, uint96 id) external pure returns (address);

    /// @notice The owner and id of subaccount `account` (the account itself and 0 for an id-0 account or
    ///         an address never opened as a subaccount).
    function subaccountOf(address account) external view returns (address owner, uint96 id);

    /// @notice Approve or revoke `operator` to submit fills for all the caller's subaccounts.
    ///         Emits OperatorUpdated.
    function setOperator(address operator, bool approved) external;

    /// @notice Approve or revoke `operator` to submit fills for the caller's subaccount `id` only.
    /// @dev Emits SubaccountOpened (first use) and SubaccountOperatorUpdated.
    function setSubaccountOperator(uint96 id, address operator, bool approved) external;

    /// @notice Settle one fill between two accounts that approved the caller as operator.
    /// @dev Paused with TRADE. Rules in the contract notes. Emits Filled.
    function fill(Fill calldata f) external;

    /// @notice Take over `amount` (base units, WAD) of `account`'s position in `market` at the index price.
    /// @dev Paused with LIQUIDATE. Rules in the contract notes. Emits Liquidated; for an insolvent account
    ///      also BadDebt (when the part carries debt) and LossShared (when the fund did not pay all of it).
    function liquidate(address account, uint256 marketId, uint256 amount) external;

    /// @notice As `liquidate`, the position going to the caller's subaccount `id` (e.g. a subaccount
    ///         that holds nothing else, to take over an isolated market's position).
    /// @dev Paused with LIQUIDATE. Emits SubaccountOpened (first use) and as `liquidate`.
    function liquidateInto(address account, uint256 marketId, uint256 amount, uint96 id) external;

    /// @notice Net the accrued insurance shares against what positions still owe of shared losses (market
    ///         by market, longs first), then pay the rest (whole token units) to the fund. Anyone may call.
    /// @dev Emits LossRecovered per side relieved and FeesSwept. Reverts with MarginEngineZeroAmount when
    ///      there is nothing to net or pay.
    function sweepFees() external returns (uint256 amount);

    /// @notice Net isolated `market`'s accrued fees against what its own positions still owe of its shared
    ///         losses, then pay the rest (whole token units) to its own fund. Anyone may call.
    /// @dev Emits LossRecovered per side relieved and MarketFeesSwept. Reverts with MarginEngineNotIsolated
    ///      for a shared market and MarginEngineZeroAmount when there is nothing to net or pay.
    function sweepMarketFees(uint256 marketId) external returns (uint256 amount);

    /// @notice Let the market's fund pay, within its cap now, what `market`'s positions still owe of shared losses,
    ///         longs first; each relieved pro rata to what it owes. Anyone may call, e.g. when the fund's
    ///         cap frees or its COVER pause ends.
    /// @dev Emits LossRecovered. Reverts when nothing is owed or the fund pays nothing.
    function coverLoss(uint256 marketId) external returns (uint256 recovered);

    /// @notice Add a market priced by `oracle`. Only the guardian. Emits MarketAdded.
    function addMarket(IMedianOracle oracle, RiskParams calldata risk) external returns (uint256 marketId);

    /// @notice Add an isolated market priced by `oracle`, covered only by `fund`: an InsuranceFund of the
    ///         collateral that backs no other market (and is not FUND), which must list this engine.
    ///         Only the guardian. Emits MarketAdded and MarketIsolated.
    function addIsolatedMarket(IMedianOracle oracle, RiskParams calldata risk, IInsuranceFund fund)
        external
        returns (uint256 marketId);

    /// @notice Replace a market's risk parameters. Only the guardian. Emits RiskParamsUpdated.
    function setRiskParams(uint256 marketId, RiskParams calldata risk) external;

    /// @notice Lift (or set) a market's reduce-only flag. Only the guardian. Emits ReduceOnlyUpdated.
    function setReduceOnly(uint256 marketId, bool reduceOnly) external;

    /// @notice Whether `market` is isolated (listed with its own fund).
    function isIsolated(uint256 marketId) external view returns (bool);

    /// @notice The number of markets; ids are 0 .. marketCount - 1.
    function marketCount() external view returns (uint256);

    /// @notice A market's oracle, flags, open interest, shared losses, loss indices and risk parameters.
    function market(uint256 marketId) external view returns (MarketState memory);

    /// @notice `account`'s cash (signed WAD).
    function cash(address account) external view returns (int256);

    /// @notice `account`'s position in `market`: size (signed WAD base) and open notional (signed WAD).
    function position(address account, uint256 marketId) external view returns (int256 size, int256 openNotional);

    /// @notice Whether `operator` may submit fills for all of `owner`'s subaccounts.
    function isOperator(address owner, address operator) external view returns (bool);

    /// @notice Whether `operator` may submit fills for subaccount `account` only (see also isOperator).
    function isSubaccountOperator(address account, address operator) external view returns (bool);

    /// @notice What `account`'s position in `market` owes of the market's shared losses, not yet taken
    ///         from its cash (WAD, rounded up; already counted in its equity and collateral).
    function lossOwed(address account, uint256 marketId) external view returns (uint256);

    /// @notice What `market`'s positions still owe of its shared losses, both sides (WAD; ENG-01's term).
    function unsettledLoss(uint256 marketId) external view returns (int256);

    /// @notice Shared markets' accrued insurance shares not yet swept to FUND (WAD); isolated markets'
    ///         are in MarketState.fees.
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
