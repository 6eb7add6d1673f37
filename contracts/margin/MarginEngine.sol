// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Guarded} from "../governance/Guarded.sol";
import {IGuarded} from "../interfaces/IGuarded.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {IMarginEngine} from "../interfaces/IMarginEngine.sol";
import {IMedianOracle} from "../interfaces/IMedianOracle.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SharedLoss} from "../libraries/SharedLoss.sol";

/// @title MarginEngine
/// @notice Perpetuals over one collateral token in numbered subaccounts, each cross-margined on its own:
///         deposits, transfers, operator-submitted fills, volatility-adjusted margin, partial liquidations,
///         bad debt to the market's InsuranceFund, isolated markets with their own funds, breakers.
/// @dev See IMarginEngine for every rule and formula. Prices are read once per market per transaction
///      into a memory cache; an account's markets are a bitmask, so its margin walks only what it holds.
///      An account is a subaccount's address (`subaccount(owner, id)`; id 0 is the owner's own address).
contract MarginEngine is Guarded, ReentrancyGuardTransient, IMarginEngine {
    using SafeCast for uint256;
    using SafeCast for int256;

    // pause scopes; loss-shifting or not, and why: IMarginEngine (pause scopes)
    uint256 public constant SCOPE_TRADE = 1 << 0; // fill; not loss-shifting
    uint256 public constant SCOPE_LIQUIDATE = 1 << 1; // liquidate; loss-shifting
    uint256 public constant SCOPE_DEPOSIT = 1 << 2; // deposit; loss-shifting
    uint256 public constant SCOPE_WITHDRAW = 1 << 3; // withdraw; not loss-shifting

    uint256 public constant MAX_MARKETS = 16; // bits of an account's market mask we walk
    uint256 public constant LIQUIDATION_BUFFER = MarginMath.LIQUIDATION_BUFFER; // [wad] partials aim at MM * 1.1
    uint256 public constant MIN_BASE_MMR = 0.001e18;
    uint256 public constant MAX_BASE_MMR = 0.5e18;
    uint256 public constant MAX_VOL_MULTIPLIER = 10e18;
    uint256 public constant MAX_IM_FACTOR = 10e18;
    uint256 public constant MAX_TRADE_DEVIATION = 0.2e18;
    uint256 public constant MIN_HORIZON = 1 hours;
    uint256 public constant MAX_HORIZON = 30 days;
    uint256 private constant WAD = 1e18;
    uint256 private constant YEAR = 365 days;

    /// @inheritdoc IMarginEngine
    IInsuranceFund public immutable FUND;
    /// @inheritdoc IMarginEngine
    address public immutable COLLATERAL;
    /// @inheritdoc IMarginEngine
    uint256 public immutable SCALE;

    struct Position {
        int128 size; // [wad base] + long, - short
        int128 openNotional; // [wad] signed cost basis of the open size
        uint192 lossSnapshot; // its side's loss index when it last changed
        uint64 lossEra; // its side's loss era then (a snapshot of an older era counts from the current era's start)
    }

    /// @dev Index prices and maintenance rates read in this transaction (0 = not read yet).
    struct Prices {
        uint256[] index;
        uint256[] rate;
    }

    MarketState[] private _markets;
    uint256 private _isolated; // bit m set when market m is isolated (fixed when it is listed)
    mapping(address account => Subaccount) private _subaccounts; // opened subaccounts other than id 0
    /// @inheritdoc IMarginEngine
    mapping(address account => int256) public cash; // [wad]
    mapping(address account => uint256 mask) private _held; // bit m set while a market-m position is open
    mapping(address account => mapping(uint256 market => Position)) private _positions;
    /// @inheritdoc IMarginEngine
    mapping(address owner => mapping(address operator => bool)) public isOperator;
    /// @inheritdoc IMarginEngine
    mapping(address account => mapping(address operator => bool)) public isSubaccountOperator;
    /// @inheritdoc IMarginEngine
    uint256 public fees; // [wad] insurance shares (and rounding surplus) owed to the fund

    /// @param oracles, risks Markets added at deployment (as `addMarket` would), so a suite is wired without
    ///        a timelocked operation.
    /// @param funds Per market: the zero address for a shared market (covered by `fund`), or the isolated
    ///        market's own InsuranceFund.
    constructor(
        address guardian,
        IInsuranceFund fund,
        IMedianOracle[] memory oracles,
        RiskParams[] memory risks,
        IInsuranceFund[] memory funds
    ) Guarded(guardian) {
        if (address(fund) == address(0)) revert MarginEngineZeroAddress();
        address collateral = fund.asset();
        if (collateral == address(0)) revert MarginEngineZeroAddress();
        uint8 decimals = IERC20Metadata(collateral).decimals();
        if (decimals > 18) revert MarginEngineInvalidCollateral(decimals);
        (FUND, COLLATERAL, SCALE) = (fund, collateral, 10 ** (18 - decimals));
        SafeERC20.forceApprove(IERC20(collateral), address(fund), type(uint256).max); // sweepFees pays in
        if (oracles.length != risks.length || oracles.length != funds.length) {
            revert MarginEngineMarketsMismatch(oracles.length, risks.length, funds.length);
        }
        for (uint256 i; i < oracles.length; ++i) {
            _addMarket(oracles[i], risks[i], funds[i]);
        }
    }

    // ---------------------------------------------------------------- collateral

    /// @inheritdoc IMarginEngine
    function deposit(uint256 amount) external whenNotPaused(SCOPE_DEPOSIT) nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IMarginEngine
    function depositTo(uint96 id, uint256 amount) external whenNotPaused(SCOPE_DEPOSIT) nonReentrant {
        _deposit(_open(id), amount);
    }

    /// @inheritdoc IMarginEngine
    function withdraw(uint256 amount, address receiver) external whenNotPaused(SCOPE_WITHDRAW) nonReentrant {
        _withdraw(msg.sender, amount, receiver);
    }

    /// @inheritdoc IMarginEngine
    function withdrawFrom(uint96 id, uint256 amount, address receiver)
        external
        whenNotPaused(SCOPE_WITHDRAW)
        nonReentrant
    {
        _withdraw(subaccount(msg.sender, id), amount, receiver);
    }

    /// @inheritdoc IMarginEngine
    function transferMargin(uint96 from, uint96 to, uint256 amount) external whenNotPaused(SCOPE_DEPOSIT) nonReentrant {
        if (amount == 0) revert MarginEngineZeroAmount();
        if (from == to) revert MarginEngineSameSubaccount(from);
        (address source, address target) = (subaccount(msg.sender, from), _open(to));
        int256 value = (amount * SCALE).toInt256();
        cash[source] -= value;
        cash[target] += value;
        // the source keeps IM without unrealised profit, as after a withdrawal (ENG-05); only the source's
        // markets are priced, so a halt elsewhere does not stop it (ENG-11)
        _requireInitialMargin(source, _newPrices());
        emit MarginTransferred(source, target, amount);
    }

    function _deposit(address account, uint256 amount) private {
        if (amount == 0) revert MarginEngineZeroAmount();
        uint256 received = _pull(amount);
        cash[account] += (received * SCALE).toInt256();
        emit Deposited(account, amount, received);
    }

    function _withdraw(address account, uint256 amount, address receiver) private {
        if (amount == 0) revert MarginEngineZeroAmount();
        if (receiver == address(0)) revert MarginEngineZeroAddress();
        cash[account] -= (amount * SCALE).toInt256();
        // unrealised profit is not withdrawable (ENG-05); a halted price of a market the account holds
        // reverts here (ENG-06), no other market's (ENG-11)
        _requireInitialMargin(account, _newPrices());
        SafeERC20.safeTransfer(IERC20(COLLATERAL), receiver, amount);
        emit Withdrawn(account, receiver, amount);
    }

    // ---------------------------------------------------------------- subaccounts

    /// @inheritdoc IMarginEngine
    function subaccount(address owner, uint96 id) public pure returns (address) {
        if (id == 0) return owner;
        return address(uint160(uint256(keccak256(abi.encode(owner, id)))));
    }

    /// @inheritdoc IMarginEngine
    function subaccountOf(address account) external view returns (address owner, uint96 id) {
        Subaccount memory sub = _subaccounts[account];
        return sub.owner == address(0) ? (account, 0) : (sub.owner, sub.id);
    }

    /// @dev The caller's subaccount `id`, recorded (SubaccountOpened) the first time it is named.
    function _open(uint96 id) private returns (address account) {
        account = subaccount(msg.sender, id);
        if (id != 0 && _subaccounts[account].owner == address(0)) {
            _subaccounts[account] = Subaccount(msg.sender, id);
            emit SubaccountOpened(msg.sender, id, account);
        }
    }

    /// @dev The owner of `account` (itself for id 0, or a key never opened, which holds nothing).
    function _ownerOf(address account) private view returns (address owner) {
        owner = _subaccounts[account].owner;
        if (owner == address(0)) owner = account;
    }

    // ---------------------------------------------------------------- trading

    /// @inheritdoc IMarginEngine
    function setOperator(address operator, bool approved) external {
        isOperator[msg.sender][operator] = approved;
        emit OperatorUpdated(msg.sender, operator, approved);
    }

    /// @inheritdoc IMarginEngine
    function setSubaccountOperator(uint96 id, address operator, bool approved) external {
        address account = _open(id);
        isSubaccountOperator[account][operator] = approved;
        emit SubaccountOperatorUpdated(account, operator, approved);
    }

    /// @inheritdoc IMarginEngine
    function fill(Fill calldata f) external whenNotPaused(SCOPE_TRADE) nonReentrant {
        MarketState storage s = _market(f.market);
        address owner = _requireOperator(f.maker);
        // two subaccounts of one owner do not trade with each other: it would move value between them
        // past transferMargin's IM rule
        if (owner == _requireOperator(f.taker)) revert MarginEngineSelfTrade(owner);
        if (f.size == 0) revert MarginEngineZeroAmount();
        Prices memory prices = _newPrices();
        _requireInBand(f.market, f.price, s.risk.maxTradeDeviation, prices); // a halted price reverts (ENG-06)
        uint256 openInterest = s.openInterest;
        // one cash amount moves from taker to maker: sizes and cash stay zero-sum (ENG-01, ENG-02)
        int256 value = MarginMath.worth(f.size, f.price);
        (int256 takerBefore, int256 takerAfter) = _move(f.taker, f.market, f.size, -value);
        (int256 makerBefore, int256 makerAfter) = _move(f.maker, f.market, -f.size, value);
        if (s.openInterest > openInterest && s.openInterest > s.risk.openInterestCap) {
            revert MarginEngineOpenInterestCap(f.market, s.openInterest, s.risk.openInterestCap);
        }
        _checkFill(f.taker, f.market, takerBefore, takerAfter, s, prices);
        _checkFill(f.maker, f.market, makerBefore, makerAfter, s, prices);
        emit Filled(f.market, f.maker, f.taker, f.size, f.price, msg.sender);
    }

    /// @dev The caller is an operator of `account`, for all its owner's subaccounts or for this one; returns
    ///      the owner.
    function _requireOperator(address account) private view returns (address owner) {
        owner = _ownerOf(account);
        if (!isOperator[owner][msg.sender] && !isSubaccountOperator[account][msg.sender]) {
            revert MarginEngineNotOperator(account, msg.sender);
        }
    }

    /// @dev The fill price lies within maxDeviation of the index (relative, rounded against the fill).
    function _requireInBand(uint256 marketId, uint256 price, uint256 maxDeviation, Prices memory prices) private view {
        (uint256 index,) = _price(prices, marketId);
        uint256 distance = price > index ? price - index : index - price;
        if (Math.mulDiv(distance, WAD, index, Math.Rounding.Ceil) > maxDeviation) {
            revert MarginEnginePriceOutOfBand(marketId, price, index, maxDeviation);
        }
    }

    // ---------------------------------------------------------------- liquidation

    /// @inheritdoc IMarginEngine
    // the fund's cover is called before state is written (see _cover); every entry point is nonReentrant
    // slither-disable-next-line reentrancy-no-eth
    function liquidate(address account, uint256 marketId, uint256 amount)
        external
        whenNotPaused(SCOPE_LIQUIDATE)
        nonReentrant
    {
        _liquidate(account, marketId, amount, msg.sender);
    }

    /// @inheritdoc IMarginEngine
    // the fund's cover is called before state is written (see _cover); every entry point is nonReentrant
    // slither-disable-next-line reentrancy-no-eth
    function liquidateInto(address account, uint256 marketId, uint256 amount, uint96 id)
        external
        whenNotPaused(SCOPE_LIQUIDATE)
        nonReentrant
    {
        _liquidate(account, marketId, amount, _open(id));
    }

    // slither-disable-next-line reentrancy-no-eth
    function _liquidate(address account, uint256 marketId, uint256 amount, address liquidator) private {
        RiskParams memory risk = _market(marketId).risk;
        // an owner does not liquidate its own subaccounts: it would collect the bonus from the fund
        if (_ownerOf(account) == msg.sender) revert MarginEngineSelfLiquidation(account);
        if (amount == 0) revert MarginEngineZeroAmount();
        Prices memory prices = _newPrices();
        AccountState memory before = _requireLiquidatable(account, marketId, amount, risk, prices);
        (int256 taken, uint256 index, uint256 bonus, uint256 share) = (0, 0, 0, 0);
        if (before.equity > 0) {
            (taken, index) = _takeOver(account, liquidator, marketId, amount, risk.dustSize, prices);
            (bonus, share) = _penalty(account, before, amount * index / WAD, risk, prices);
            cash[account] -= (bonus + share).toInt256();
            _accrue(marketId, share);
        } else {
            uint256 debt;
            (debt, bonus) = _bookDebt(account, marketId, amount, before, risk, prices);
            (taken, index) = _takeOver(account, liquidator, marketId, amount, risk.dustSize, prices);
            cash[account] += debt.toInt256();
        }
        cash[liquidator] += bonus.toInt256();
        _requireInitialMargin(liquidator, prices);
        emit Liquidated(marketId, account, liquidator, taken, index, bonus, share);
    }

    /// @inheritdoc IMarginEngine
    function sweepFees() external nonReentrant returns (uint256 amount) {
        // the fund's revenue first pays what positions still owe of losses it did not cover (ENG-07)
        // shared markets only: an isolated market's losses are never paid from the shared pool (ENG-10)
        (uint256 left, uint256 netted) = (fees, 0);
        uint256 n = _markets.length;
        for (uint256 m; m < n && left != 0; ++m) {
            if (!_markets[m].lossShared || _isIsolated(m)) continue;
            uint256 used = _recoverMarket(m, left);
            (left, netted) = (left - used, netted + used);
        }
        (amount, fees) = _payRevenue(FUND, left, netted);
        emit FeesSwept(amount, netted);
    }

    /// @inheritdoc IMarginEngine
    function sweepMarketFees(uint256 marketId) external nonReentrant returns (uint256 amount) {
        MarketState storage s = _market(marketId);
        if (!_isIsolated(marketId)) revert MarginEngineNotIsolated(marketId);
        uint256 left = s.fees;
        uint256 netted = s.lossShared ? _recoverMarket(marketId, left) : 0;
        (amount, s.fees) = _payRevenue(s.fund, left - netted, netted);
        emit MarketFeesSwept(marketId, amount, netted);
    }

    /// @dev Pay the whole token units of `left` (WAD) to `fund` as revenue; returns them and the sub-unit
    ///      rest, which stays accrued. Nothing to pay or net reverts.
    function _payRevenue(IInsuranceFund fund, uint256 left, uint256 netted)
        private
        returns (uint256 amount, uint256 rest)
    {
        // slither-disable-next-line divide-before-multiply
        amount = left / SCALE;
        // slither-disable-next-line incorrect-equality
        if (amount == 0 && netted == 0) revert MarginEngineZeroAmount();
        rest = left - amount * SCALE;
        if (amount != 0) {
            // slither-disable-next-line unused-return
            fund.addRevenue(amount);
        }
    }

    /// @inheritdoc IMarginEngine
    // the fund's cover is called before state is written (see _cover); every entry point is nonReentrant
    // slither-disable-next-line reentrancy-no-eth
    function coverLoss(uint256 marketId) external nonReentrant returns (uint256 recovered) {
        MarketState storage s = _market(marketId);
        uint256 open = MarginMath.positive(s.longs.unsettled) + MarginMath.positive(s.shorts.unsettled);
        if (open == 0) revert MarginEngineNoLossOwed(marketId);
        uint256 paid = _cover(marketId, open);
        // slither-disable-next-line incorrect-equality
        if (paid == 0) revert MarginEngineFundPaidNothing(marketId, open);
        recovered = _recoverMarket(marketId, paid);
    }

    // ---------------------------------------------------------------- guardian

    /// @inheritdoc IMarginEngine
    function addMarket(IMedianOracle oracle, RiskParams calldata risk)
        external
        onlyGuardian
        returns (uint256 marketId)
    {
        return _addMarket(oracle, risk, IInsuranceFund(address(0)));
    }

    /// @inheritdoc IMarginEngine
    function addIsolatedMarket(IMedianOracle oracle, RiskParams calldata risk, IInsuranceFund fund)
        external
        onlyGuardian
        returns (uint256 marketId)
    {
        if (address(fund) == address(0)) revert MarginEngineZeroAddress();
        return _addMarket(oracle, risk, fund);
    }

    /// @dev `fund` zero: a shared market, covered by FUND. Otherwise an isolated market covered only by
    ///      `fund`, which no other market uses and which holds the collateral token.
    function _addMarket(IMedianOracle oracle, RiskParams memory risk, IInsuranceFund fund)
        private
        returns (uint256 marketId)
    {
        if (address(oracle) == address(0)) revert MarginEngineZeroAddress();
        marketId = _markets.length;
        // slither-disable-next-line incorrect-equality
        if (marketId == MAX_MARKETS) revert MarginEngineTooManyMarkets(MAX_MARKETS);
        _validate(risk);
        bool isolated = address(fund) != address(0);
        if (isolated) _requireOwnFund(fund, marketId);
        else fund = FUND;
        SideLoss memory none = SideLoss(0, 0, uint128(WAD), 0);
        _markets.push(MarketState(oracle, false, false, 0, 0, 0, none, none, risk, fund, 0));
        emit MarketAdded(marketId, oracle, risk);
        if (isolated) {
            // once per isolated market listed (at most MAX_MARKETS, in the constructor's loop)
            // slither-disable-next-line costly-loop
            _isolated |= 1 << marketId;
            SafeERC20.forceApprove(IERC20(COLLATERAL), address(fund), type(uint256).max); // sweeps pay in
            emit MarketIsolated(marketId, fund);
        }
    }

    /// @dev An isolated market's fund holds the collateral and backs no other market (nor is FUND).
    // slither-disable-next-line calls-loop
    function _requireOwnFund(IInsuranceFund fund, uint256 markets) private view {
        address asset = fund.asset();
        if (asset != COLLATERAL) revert MarginEngineFundAsset(fund, asset, COLLATERAL);
        if (fund == FUND) revert MarginEngineFundInUse(fund, type(uint256).max);
        for (uint256 m; m < markets; ++m) {
            if (_markets[m].fund == fund) revert MarginEngineFundInUse(fund, m);
        }
    }

    /// @inheritdoc IMarginEngine
    function setRiskParams(uint256 marketId, RiskParams calldata risk) external onlyGuardian {
        MarketState storage s = _market(marketId);
        _validate(risk);
        emit RiskParamsUpdated(marketId, s.risk, risk);
        s.risk = risk;
    }

    /// @inheritdoc IMarginEngine
    function setReduceOnly(uint256 marketId, bool reduceOnly) external onlyGuardian {
        _market(marketId).reduceOnly = reduceOnly;
        emit ReduceOnlyUpdated(marketId, reduceOnly);
    }

    /// @inheritdoc Guarded
    function pauseScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_TRADE | SCOPE_LIQUIDATE | SCOPE_DEPOSIT | SCOPE_WITHDRAW;
    }

    /// @inheritdoc Guarded
    /// @dev LIQUIDATE and DEPOSIT; IMarginEngine (pause scopes) gives the answer for every scope.
    function lossShiftingScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_LIQUIDATE | SCOPE_DEPOSIT;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarginEngine
    function isIsolated(uint256 marketId) external view returns (bool) {
        _market(marketId);
        return _isIsolated(marketId);
    }

    function _isIsolated(uint256 marketId) private view returns (bool) {
        return (_isolated >> marketId) & 1 == 1;
    }

    /// @inheritdoc IMarginEngine
    function marketCount() external view returns (uint256) {
        return _markets.length;
    }

    /// @inheritdoc IMarginEngine
    function market(uint256 marketId) external view returns (MarketState memory) {
        return _market(marketId);
    }

    /// @inheritdoc IMarginEngine
    function position(address account, uint256 marketId) external view returns (int256 size, int256 openNotional) {
        Position memory p = _positions[account][marketId];
        return (p.size, p.openNotional);
    }

    /// @inheritdoc IMarginEngine
    function lossOwed(address account, uint256 marketId) external view returns (uint256) {
        return _owed(_market(marketId), _positions[account][marketId]);
    }

    /// @inheritdoc IMarginEngine
    function unsettledLoss(uint256 marketId) external view returns (int256) {
        MarketState storage s = _market(marketId);
        return s.longs.unsettled + s.shorts.unsettled;
    }

    /// @inheritdoc IMarginEngine
    function mmr(uint256 marketId) external view returns (uint256 rate) {
        _market(marketId);
        (, rate) = _price(_newPrices(), marketId);
    }

    /// @inheritdoc IMarginEngine
    function accountState(address account) external view returns (AccountState memory) {
        return _state(account, _newPrices());
    }

    /// @inheritdoc IMarginEngine
    function marginRatio(address account) external view returns (int256) {
        AccountState memory st = _state(account, _newPrices());
        // slither-disable-next-line incorrect-equality
        if (st.maintenanceMargin == 0) return type(int256).max;
        return st.equity * int256(WAD) / st.maintenanceMargin.toInt256();
    }

    /// @inheritdoc IMarginEngine
    function liquidationPrice(address account, uint256 marketId) external view returns (uint256) {
        _market(marketId);
        int256 size = _positions[account][marketId].size;
        if (size == 0) return 0;
        Prices memory prices = _newPrices();
        AccountState memory st = _state(account, prices);
        (uint256 index, uint256 rate) = _price(prices, marketId);
        // IM is not needed here
        // slither-disable-next-line unused-return
        (uint256 mm,) = MarginMath.margins(size, index, rate, 0);
        // equity and MM without this position; solve other + size * p = otherMm + |size| * p * rate
        int256 gap = (st.maintenanceMargin - mm).toInt256() - (st.equity - MarginMath.worth(size, index));
        int256 slope = size - (SignedMath.abs(size) * rate / WAD).toInt256(); // [wad base]
        // slither-disable-next-line incorrect-equality
        if (slope == 0) return 0;
        int256 price = gap * int256(WAD) / slope;
        return price > 0 ? uint256(price) : 0;
    }

    /// @inheritdoc IMarginEngine
    function maxLiquidation(address account, uint256 marketId) external view returns (uint256) {
        MarketState storage s = _market(marketId);
        int256 size = _positions[account][marketId].size;
        if (size == 0) return 0;
        Prices memory prices = _newPrices();
        AccountState memory st = _state(account, prices);
        if (st.equity >= st.maintenanceMargin.toInt256()) return 0;
        if (st.equity <= 0) return SignedMath.abs(size);
        (uint256 index, uint256 rate) = _price(prices, marketId);
        return MarginMath.liquidationLimit(st, SignedMath.abs(size), index, rate, s.risk);
    }

    // ---------------------------------------------------------------- internals: positions

    /// @dev Change `account`'s position in `marketId` by `delta` and its cash by `cashDelta`; keep the open
    ///      notional (cost basis), the held-market mask and the long open interest in step.
    function _move(address account, uint256 marketId, int256 delta, int256 cashDelta)
        private
        returns (int256 before, int256 after_)
    {
        Position storage p = _positions[account][marketId];
        MarketState storage s = _markets[marketId];
        before = p.size;
        after_ = before + delta;
        uint256 held = _held[account];
        // an isolated market is held only by a subaccount that holds nothing else (ENG-10)
        if (before == 0 && held != 0 && (held | 1 << marketId) & _isolated != 0) {
            revert MarginEngineIsolatedMarket(account, marketId, held);
        }
        if (s.lossShared) _settleOwed(account, s, p, after_);
        int256 open = p.openNotional;
        int256 cost = -cashDelta; // what the account paid for `delta`
        if (after_ == 0) {
            open = 0;
        } else if (before == 0 || (before > 0) == (delta > 0)) {
            open += cost; // opening or adding
        } else if (SignedMath.abs(delta) <= SignedMath.abs(before)) {
            // reducing: release the closed share of the basis (one rounding, toward zero)
            // slither-disable-next-line divide-before-multiply
            open -= open * delta / -before;
        } else {
            open = cost * after_ / delta; // flipping: the new side's share of this trade's cost
        }
        (p.size, p.openNotional) = (after_.toInt128(), open.toInt128());
        cash[account] += cashDelta;
        uint256 nowHeld = after_ == 0 ? held & ~(1 << marketId) : held | 1 << marketId;
        if (nowHeld != held) _held[account] = nowHeld;
        s.openInterest = s.openInterest + MarginMath.positive(after_) - MarginMath.positive(before);
    }

    /// @dev Take what the position owes of shared losses from the account's cash, and point its snapshot at
    ///      the loss index and era of the side it is about to hold (`after_`), so it never owes a loss twice
    ///      or one shared before it was opened.
    function _settleOwed(address account, MarketState storage s, Position storage p, int256 after_) private {
        uint256 owed = _owed(s, p);
        if (owed != 0) {
            cash[account] -= owed.toInt256();
            _side(s, p.size > 0).unsettled -= owed.toInt256();
        }
        (uint192 snapshot, uint64 era) = (0, 0);
        if (after_ != 0) {
            SideLoss storage side = _side(s, after_ > 0);
            (snapshot, era) = (side.index.toUint192(), side.era);
        }
        if (p.lossSnapshot != snapshot || p.lossEra != era) (p.lossSnapshot, p.lossEra) = (snapshot, era);
    }

    /// @dev What a position owes of its market's shared losses:
    ///      ceil(ceil(|size| * (side index - snapshot)) * side scale), the snapshot counting as 0 (the current
    ///      era's start) if its era has passed.
    function _owed(MarketState storage s, Position storage p) private view returns (uint256) {
        if (!s.lossShared) return 0;
        int256 size = p.size;
        // slither-disable-next-line incorrect-equality
        if (size == 0) return 0;
        return SharedLoss.owed(_side(s, size > 0), SignedMath.abs(size), p.lossSnapshot, p.lossEra);
    }

    function _side(MarketState storage s, bool longs) private view returns (SideLoss storage) {
        return longs ? s.longs : s.shorts;
    }

    /// @dev After a fill: reduce-only, dust, then IM for a risk-increasing change (ENG-05), MM otherwise.
    function _checkFill(
        address account,
        uint256 marketId,
        int256 before,
        int256 after_,
        MarketState storage s,
        Prices memory prices
    ) private view {
        bool increases = SignedMath.abs(after_) > SignedMath.abs(before)
            || (before != 0 && after_ != 0 && (before > 0) != (after_ > 0));
        if (increases && s.reduceOnly) revert MarginEngineReduceOnly(marketId, account);
        _requireNoDust(account, marketId, after_, s.risk.dustSize);
        if (increases) return _requireInitialMargin(account, prices);
        AccountState memory st = _state(account, prices);
        if (st.equity < st.maintenanceMargin.toInt256()) {
            revert MarginEngineUnhealthy(account, st.equity, st.maintenanceMargin);
        }
    }

    function _requireNoDust(address account, uint256 marketId, int256 size, uint256 dustSize) private pure {
        if (size != 0 && SignedMath.abs(size) < dustSize) {
            revert MarginEngineDustPosition(account, marketId, size, dustSize);
        }
    }

    /// @dev min(equity, collateral) >= IM: unrealised profit excluded (ENG-05).
    function _requireInitialMargin(address account, Prices memory prices) private view {
        AccountState memory st = _state(account, prices);
        int256 withoutProfit = SignedMath.min(st.equity, st.collateral);
        if (withoutProfit < st.initialMargin.toInt256()) {
            revert MarginEngineInsufficientMargin(account, withoutProfit, st.initialMargin);
        }
    }

    // ---------------------------------------------------------------- internals: liquidation

    /// @dev ENG-03 and the size rules; returns the account's state before the liquidation.
    function _requireLiquidatable(
        address account,
        uint256 marketId,
        uint256 amount,
        RiskParams memory risk,
        Prices memory prices
    ) private view returns (AccountState memory before) {
        int256 size = _positions[account][marketId].size;
        if (size == 0) revert MarginEngineNoPosition(account, marketId);
        before = _state(account, prices); // a halted price reverts here (ENG-06)
        // only below maintenance (ENG-03)
        if (before.equity >= before.maintenanceMargin.toInt256()) {
            revert MarginEngineNotLiquidatable(account, before.equity, before.maintenanceMargin);
        }
        uint256 held = SignedMath.abs(size);
        if (before.equity <= 0) {
            // insolvent: any part, so several liquidators may share it (dust is checked on the account)
            if (amount > held) revert MarginEngineLiquidationTooLarge(account, marketId, amount, held);
            return before;
        }
        (uint256 index, uint256 rate) = _price(prices, marketId);
        uint256 maximum = MarginMath.liquidationLimit(before, held, index, rate, risk);
        if (amount > maximum) revert MarginEngineLiquidationTooLarge(account, marketId, amount, maximum);
    }

    /// @dev The caller takes `amount` of the account's position over at the index price, paying the cash
    ///      the position's own valuation gives, so the account's equity is unchanged by the transfer.
    function _takeOver(
        address account,
        address liquidator,
        uint256 marketId,
        uint256 amount,
        uint256 dustSize,
        Prices memory prices
    ) private returns (int256 taken, uint256 index) {
        (index,) = _price(prices, marketId);
        int256 size = _positions[account][marketId].size;
        taken = size > 0 ? amount.toInt256() : -amount.toInt256();
        int256 proceeds = MarginMath.worth(size, index) - MarginMath.worth(size - taken, index);
        _move(account, marketId, -taken, proceeds);
        _move(liquidator, marketId, taken, -proceeds);
        // the account keeps no dust (taking the whole position is always allowed); the liquidator may end
        // below the dust size, which it can close to zero, so dust never blocks a liquidation
        _requireNoDust(account, marketId, size - taken, dustSize);
    }

    /// @dev Bonus and insurance share for closing `notional`, capped so the account's margin ratio does
    ///      not fall (ENG-04) and its equity does not go below zero; split pro rata.
    function _penalty(
        address account,
        AccountState memory before,
        uint256 notional,
        RiskParams memory risk,
        Prices memory prices
    ) private view returns (uint256 bonus, uint256 share) {
        uint256 rates = uint256(risk.liquidationBonus) + risk.insuranceShare;
        uint256 nominal = notional * rates / WAD;
        AccountState memory afterClose = _state(account, prices);
        // slither-disable-next-line incorrect-equality
        if (nominal == 0 || before.equity <= 0 || afterClose.equity <= 0) return (0, 0);
        uint256 equity = uint256(afterClose.equity);
        // equity' / MM' >= equity / MM  <=>  equity' >= ceil(equity * MM' / MM)
        uint256 floor = Math.mulDiv(
            uint256(before.equity), afterClose.maintenanceMargin, before.maintenanceMargin, Math.Rounding.Ceil
        );
        uint256 cap = equity > floor ? equity - floor : 0;
        uint256 penalty = Math.min(nominal, cap);
        bonus = penalty * risk.liquidationBonus / rates;
        share = penalty - bonus;
    }

    /// @dev An insolvent account's part: book its share of the debt to this market, ask the market's fund
    ///      for it and the liquidator's bonus, and share what the fund did not pay of the debt with the
    ///      market's other side. The caller does this before the takeover, so the side still holds at least
    ///      this position's size, and then credits the account with the debt (ENG-07). Returns the debt and
    ///      the bonus the fund paid.
    // slither-disable-next-line reentrancy-benign,reentrancy-no-eth
    function _bookDebt(
        address account,
        uint256 marketId,
        uint256 amount,
        AccountState memory before,
        RiskParams memory risk,
        Prices memory prices
    ) private returns (uint256 debt, uint256 bonus) {
        (uint256 index,) = _price(prices, marketId);
        debt = _debtShare(account, marketId, amount, uint256(-before.equity), prices);
        uint256 covered;
        (covered, bonus) = _payDebt(marketId, _positions[account][marketId].size < 0, debt, amount * index / WAD, risk);
        if (debt != 0) emit BadDebt(marketId, account, debt, covered);
    }

    /// @dev The fund is asked for `debt` plus the bonus on `notional`; what it pays covers the debt first,
    ///      then the bonus; the debt it did not cover is shared by the `longs` (or shorts) of `marketId`.
    // slither-disable-next-line reentrancy-benign,reentrancy-no-eth
    function _payDebt(uint256 marketId, bool longs, uint256 debt, uint256 notional, RiskParams memory risk)
        private
        returns (uint256 covered, uint256 bonus)
    {
        uint256 paid = _cover(marketId, debt + Math.mulDiv(notional, risk.liquidationBonus, WAD));
        covered = Math.min(paid, debt);
        bonus = paid - covered;
        if (covered < debt) _shareLoss(marketId, longs, debt - covered);
    }

    /// @dev The part of `debt` (= -equity) that closing `amount` of the account's `marketId` position carries:
    ///      pro rata to each held market's loss (by notional when none shows a loss), then to `amount`;
    ///      exactly `debt` when the part carries all of the account's remaining weight.
    function _debtShare(address account, uint256 marketId, uint256 amount, uint256 debt, Prices memory prices)
        private
        view
        returns (uint256)
    {
        (uint256 weight, uint256 total) = _lossWeight(account, marketId, prices);
        uint256 size = SignedMath.abs(_positions[account][marketId].size);
        if (amount == size && weight == total) return debt;
        return Math.mulDiv(Math.mulDiv(debt, weight, total), amount, size);
    }

    /// @dev `marketId`'s weight among the account's held markets, and their total: unrealised losses, or
    ///      notionals when no market shows a loss.
    function _lossWeight(address account, uint256 marketId, Prices memory prices)
        private
        view
        returns (uint256 weight, uint256 total)
    {
        (uint256 totalLoss, uint256 totalNotional, uint256 loss, uint256 notional) = (0, 0, 0, 0);
        uint256 held = _held[account];
        for (uint256 m; held >> m != 0; ++m) {
            if ((held >> m) & 1 == 0) continue;
            (uint256 l, uint256 n) = _lossAndNotional(_positions[account][m], m, prices);
            (totalLoss, totalNotional) = (totalLoss + l, totalNotional + n);
            if (m == marketId) (loss, notional) = (l, n);
        }
        return totalLoss != 0 ? (loss, totalLoss) : (notional, totalNotional);
    }

    /// @dev A position's unrealised loss (0 for a gain), counting what it owes of shared losses, and its
    ///      notional, at the index.
    function _lossAndNotional(Position storage p, uint256 marketId, Prices memory prices)
        private
        view
        returns (uint256 loss, uint256 notional)
    {
        (uint256 index,) = _price(prices, marketId);
        int256 size = p.size;
        int256 pnl = MarginMath.worth(size, index) - p.openNotional - _owed(_markets[marketId], p).toInt256();
        loss = pnl < 0 ? uint256(-pnl) : 0;
        notional = Math.mulDiv(SignedMath.abs(size), index, WAD);
    }

    /// @dev Ask `marketId`'s fund (FUND, or an isolated market's own) for `amount` (WAD, rounded up to whole
    ///      tokens); return what arrived, at most `amount` (the rounding surplus accrues to the market's
    ///      fees, back to that fund). A paused or failing fund pays nothing. State is written after the
    ///      call: every entry point is nonReentrant, and what arrived is only known after it; each market's
    ///      fund is fixed when it is listed.
    // slither-disable-next-line reentrancy-benign,reentrancy-no-eth
    function _cover(uint256 marketId, uint256 amount) private returns (uint256 paid) {
        // slither-disable-next-line incorrect-equality
        if (amount == 0) return 0;
        IERC20 token = IERC20(COLLATERAL);
        uint256 balance = token.balanceOf(address(this));
        // slither-disable-next-line unused-return
        try _markets[marketId].fund.cover(Math.ceilDiv(amount, SCALE)) {} catch {}
        uint256 arrived = (token.balanceOf(address(this)) - balance) * SCALE;
        paid = Math.min(arrived, amount);
        _accrue(marketId, arrived - paid);
    }

    /// @dev Insurance shares and rounding surplus of `marketId` accrue to its fund's pool: the shared `fees`,
    ///      or an isolated market's own.
    function _accrue(uint256 marketId, uint256 amount) private {
        // slither-disable-next-line incorrect-equality
        if (amount == 0) return;
        if (_isIsolated(marketId)) _markets[marketId].fees += amount;
        else fees += amount;
    }

    /// @dev `amount` of `marketId`'s bad debt becomes owed by its longs (`longs`) or shorts pro rata to size;
    ///      the market turns reduce-only. Each side holds `openInterest` (sizes are zero-sum), which is > 0
    ///      here: the insolvent position itself is still open on the other side.
    function _shareLoss(uint256 marketId, bool longs, uint256 amount) private {
        MarketState storage s = _markets[marketId];
        uint256 openInterest = s.openInterest;
        uint256 index = SharedLoss.share(_side(s, longs), amount, openInterest);
        s.lossShared = true;
        s.sharedLoss += amount;
        emit LossShared(marketId, longs, amount, openInterest, index);
        if (!s.reduceOnly) {
            s.reduceOnly = true;
            emit ReduceOnlyUpdated(marketId, true);
        }
    }

    /// @dev Relieve `marketId`'s `longs` (or shorts) of up to `amount` of what their positions still owe,
    ///      pro rata to what each owes (the side's scale shrinks); clearing all of it starts a new era.
    ///      Returns the amount used.
    function _recover(uint256 marketId, bool longs, uint256 amount) private returns (uint256 used) {
        MarketState storage s = _markets[marketId];
        SideLoss storage side = _side(s, longs);
        used = SharedLoss.recover(side, amount);
        // slither-disable-next-line incorrect-equality
        if (used == 0) return 0;
        s.recoveredLoss += used;
        emit LossRecovered(marketId, longs, used, side.unsettled);
    }

    /// @dev Recover `amount` of `marketId`'s shared losses, longs first; returns the amount used.
    function _recoverMarket(uint256 marketId, uint256 amount) private returns (uint256 used) {
        used = _recover(marketId, true, amount);
        used += _recover(marketId, false, amount - used);
    }

    // ---------------------------------------------------------------- internals: margin

    function _newPrices() private view returns (Prices memory) {
        uint256 n = _markets.length;
        return Prices(new uint256[](n), new uint256[](n));
    }

    /// @dev The index price (oracle `read()`, which reverts when stale, tripped or paused: ENG-06) and the
    ///      maintenance rate of `marketId`, read once per transaction.
    function _price(Prices memory prices, uint256 marketId) private view returns (uint256 index, uint256 rate) {
        index = prices.index[marketId];
        if (index != 0) return (index, prices.rate[marketId]);
        MarketState storage s = _markets[marketId];
        // one read per market per transaction, for the markets the accounts involved hold (<= MAX_MARKETS)
        // slither-disable-next-line unused-return,calls-loop
        (index,) = s.oracle.read();
        RiskParams memory r = s.risk;
        // slither-disable-next-line calls-loop
        uint256 horizonVol =
            Math.mulDiv(s.oracle.annualisedVolatility(), Math.sqrt(uint256(r.horizon) * WAD * WAD / YEAR), WAD);
        rate = Math.min(r.maxMmr, r.baseMmr + Math.mulDiv(r.volMultiplier, horizonVol, WAD));
        (prices.index[marketId], prices.rate[marketId]) = (index, rate);
    }

    /// @dev Equity, collateral, MM and IM of `account` (see IMarginEngine for the formulas).
    function _state(address account, Prices memory prices) private view returns (AccountState memory st) {
        int256 c = cash[account];
        (st.equity, st.collateral) = (c, c);
        uint256 held = _held[account];
        for (uint256 m; held >> m != 0; ++m) {
            if ((held >> m) & 1 == 0) continue;
            Position storage p = _positions[account][m];
            (int256 size, int256 open) = (p.size, p.openNotional);
            (uint256 index, uint256 rate) = _price(prices, m);
            MarketState storage s = _markets[m];
            int256 owed = _owed(s, p).toInt256(); // a shared loss counts at once (ENG-07)
            st.equity += MarginMath.worth(size, index) - owed;
            st.collateral += open - owed;
            (uint256 mm, uint256 im) = MarginMath.margins(size, index, rate, s.risk.imFactor);
            st.maintenanceMargin += mm;
            st.initialMargin += im;
        }
    }

    function _market(uint256 marketId) private view returns (MarketState storage) {
        if (marketId >= _markets.length) revert MarginEngineUnknownMarket(marketId, _markets.length);
        return _markets[marketId];
    }

    /// @dev Pull `amount` of collateral from the caller; return what arrived (token units).
    function _pull(uint256 amount) private returns (uint256 received) {
        IERC20 token = IERC20(COLLATERAL);
        uint256 before = token.balanceOf(address(this));
        SafeERC20.safeTransferFrom(token, msg.sender, address(this), amount);
        received = token.balanceOf(address(this)) - before;
    }

    function _validate(RiskParams memory r) private pure {
        bool valid = r.baseMmr >= MIN_BASE_MMR && r.baseMmr <= MAX_BASE_MMR && r.maxMmr >= r.baseMmr && r.maxMmr <= WAD
            && r.volMultiplier <= MAX_VOL_MULTIPLIER && r.horizon >= MIN_HORIZON && r.horizon <= MAX_HORIZON
            && r.imFactor >= WAD && r.imFactor <= MAX_IM_FACTOR
            && uint256(r.liquidationBonus) + r.insuranceShare < r.baseMmr && r.maxTradeDeviation > 0
            && r.maxTradeDeviation <= MAX_TRADE_DEVIATION && r.openInterestCap > 0 && r.dustSize < r.openInterestCap;
        if (!valid) revert MarginEngineInvalidRiskParams(r);
    }
}
