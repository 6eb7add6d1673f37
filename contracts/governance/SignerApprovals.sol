// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IPauseGuardian} from "../interfaces/IPauseGuardian.sol";

/// @title SignerApprovals
/// @notice The signer set, the pausers (GRD-06), the thresholds and the checking of EIP-712 approvals for
///         PauseGuardian.
/// @dev Every typed message ends with `uint64 validUntil`, so its struct hash is
///      keccak256(typehash ‖ encodedFields ‖ validUntil) with `encodedFields` the abi.encode of the
///      other members (EIP-712 encodeData is exactly that concatenation of 32-byte words).
abstract contract SignerApprovals is IPauseGuardian, EIP712 {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @inheritdoc IPauseGuardian
    uint256 public constant MAX_SIGNERS = 20; // bounds every loop over signers and approvals

    /// @inheritdoc IPauseGuardian
    uint256 public constant MAX_PAUSERS = 8;

    EnumerableSet.AddressSet private _signers;
    EnumerableSet.AddressSet private _pausers; // keys whose call counts on the pause-only fast path (GRD-06)

    /// @inheritdoc IPauseGuardian
    uint8 public threshold; // [count] approvals to schedule or to extend a pause
    /// @inheritdoc IPauseGuardian
    uint8 public cancelThreshold; // [count] approvals to cancel
    /// @inheritdoc IPauseGuardian
    uint8 public pauseThreshold; // [count] approvals for a fast-path pause or suspension that shifts no losses
    /// @inheritdoc IPauseGuardian
    uint8 public shiftPauseThreshold; // [count] approvals for a loss-shifting fast-path pause or suspension
    /// @inheritdoc IPauseGuardian
    uint8 public breakerThreshold; // [count] approvals to clear a tripped oracle breaker on the fast path

    /// @param thresholds_ [threshold, cancelThreshold, pauseThreshold, shiftPauseThreshold, breakerThreshold]
    /// @param initialPausers 0..MAX_PAUSERS distinct non-zero addresses
    constructor(address[] memory initialSigners, uint8[5] memory thresholds_, address[] memory initialPausers)
        EIP712("Bulwark PauseGuardian", "1")
    {
        if (initialSigners.length == 0 || initialSigners.length > MAX_SIGNERS) {
            revert PauseGuardianSignerCountOutOfBounds(initialSigners.length, MAX_SIGNERS);
        }
        for (uint256 i; i < initialSigners.length; ++i) {
            address signer = initialSigners[i];
            if (signer == address(0) || !_signers.add(signer)) revert PauseGuardianInvalidSigner(signer);
            emit SignerAdded(signer, i + 1);
        }
        _setThresholds(thresholds_[0], thresholds_[1], thresholds_[2], thresholds_[3], thresholds_[4]);
        for (uint256 i; i < initialPausers.length; ++i) {
            _addPauser(initialPausers[i]);
        }
    }

    /// @inheritdoc IPauseGuardian
    function isSigner(address account) public view returns (bool) {
        return _signers.contains(account);
    }

    /// @inheritdoc IPauseGuardian
    function signers() external view returns (address[] memory) {
        return _signers.values();
    }

    /// @inheritdoc IPauseGuardian
    function isPauser(address account) public view returns (bool) {
        return _pausers.contains(account);
    }

    /// @inheritdoc IPauseGuardian
    function pausers() external view returns (address[] memory) {
        return _pausers.values();
    }

    function _addPauser(address pauser) internal {
        uint256 count = _pausers.length() + 1;
        if (count > MAX_PAUSERS) revert PauseGuardianPauserCountOutOfBounds(count, MAX_PAUSERS);
        if (pauser == address(0) || !_pausers.add(pauser)) revert PauseGuardianInvalidPauser(pauser);
        emit PauserAdded(pauser, count);
    }

    function _removePauser(address pauser) internal {
        if (!_pausers.remove(pauser)) revert PauseGuardianNotPauser(pauser);
        emit PauserRemoved(pauser, _pausers.length());
    }

    function _addSigner(address signer) internal {
        uint256 count = _signers.length() + 1;
        if (count > MAX_SIGNERS) revert PauseGuardianSignerCountOutOfBounds(count, MAX_SIGNERS);
        if (signer == address(0)) revert PauseGuardianInvalidSigner(signer);
        if (!_signers.add(signer)) revert PauseGuardianSignerMembership(signer, true);
        emit SignerAdded(signer, count);
    }

    function _removeSigner(address signer) internal {
        if (!_signers.remove(signer)) revert PauseGuardianSignerMembership(signer, false);
        uint256 count = _signers.length();
        // every threshold stays reachable by the signers left, and in order (GRD-02, GRD-05)
        _requireValidThresholds(
            threshold, cancelThreshold, pauseThreshold, shiftPauseThreshold, breakerThreshold, count
        );
        emit SignerRemoved(signer, count);
    }

    function _setThresholds(uint8 t, uint8 c, uint8 p, uint8 s, uint8 b) internal {
        _requireValidThresholds(t, c, p, s, b, _signers.length());
        emit ThresholdsUpdated(
            threshold, cancelThreshold, pauseThreshold, shiftPauseThreshold, breakerThreshold, t, c, p, s, b
        );
        (threshold, cancelThreshold, pauseThreshold, shiftPauseThreshold, breakerThreshold) = (t, c, p, s, b);
    }

    /// @dev The bounds of IPauseGuardian: 1 <= c <= N and 1 <= p <= s <= b <= t <= N, with s >= 2 when
    ///      N >= 2, so no single key shifts losses on the fast path unless it is the only signer.
    function _requireValidThresholds(uint8 t, uint8 c, uint8 p, uint8 s, uint8 b, uint256 count) private pure {
        // each within [1, N] (GRD-02); ordered, and loss-shifting powers beyond one key (GRD-05)
        uint256 floor = count >= 2 ? 2 : 1;
        bool valid = c != 0 && c <= count && p != 0 && p <= s && s <= b && b <= t && t <= count && s >= floor;
        if (!valid) revert PauseGuardianInvalidThreshold(t, c, p, s, b, count);
    }

    /// @dev Checks `approvals` of the typed message (`typehash`, `fields`, validUntil) and that, with the
    ///      caller counted if it is a signer (or, when `pauserCounts`, a pauser: GRD-06), at least
    ///      `required` distinct accounts approve.
    /// @return approvers The caller (if counted) followed by the listed signers, in order.
    function _requireApprovals(
        bytes32 typehash,
        bytes memory fields,
        Approval[] calldata approvals,
        uint256 required,
        bool pauserCounts
    ) internal view returns (address[] memory approvers) {
        bool callerApproves = isSigner(msg.sender) || (pauserCounts && isPauser(msg.sender));
        uint256 count = callerApproves ? 1 : 0;
        approvers = new address[](approvals.length + count);
        if (callerApproves) approvers[0] = msg.sender;
        address previous = address(0);
        for (uint256 i; i < approvals.length; ++i) {
            address signer = approvals[i].signer;
            // strictly ascending, so no signer counts twice
            if (i > 0 && signer <= previous) {
                if (signer == previous) revert PauseGuardianDuplicateApproval(signer);
                revert PauseGuardianApprovalsNotAscending(previous, signer);
            }
            if (callerApproves && signer == msg.sender) revert PauseGuardianDuplicateApproval(signer);
            _requireValidApproval(typehash, fields, approvals[i]);
            approvers[count++] = signer;
            previous = signer;
        }
        if (count < required) revert PauseGuardianInsufficientApprovals(count, required);
    }

    /// @dev One approval: from a signer, unexpired, for this chain and contract, correctly signed.
    function _requireValidApproval(bytes32 typehash, bytes memory fields, Approval calldata approval) private view {
        address signer = approval.signer;
        if (!isSigner(signer)) revert PauseGuardianNotSigner(signer);
        if (approval.validUntil < block.timestamp) {
            revert PauseGuardianApprovalExpired(signer, approval.validUntil, block.timestamp);
        }
        if (approval.chainId != block.chainid) revert PauseGuardianWrongChain(signer, approval.chainId, block.chainid);
        if (approval.verifyingContract != address(this)) {
            revert PauseGuardianWrongContract(signer, approval.verifyingContract, address(this));
        }
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encodePacked(typehash, fields, uint256(approval.validUntil))));
        _requireValidSignature(signer, digest, approval.signature);
    }

    /// @dev ECDSA for accounts without code (low-s enforced by OpenZeppelin), EIP-1271 for contracts.
    function _requireValidSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        if (signer.code.length == 0) {
            (address recovered, ECDSA.RecoverError err, bytes32 errArg) = ECDSA.tryRecoverCalldata(digest, signature);
            if (err == ECDSA.RecoverError.InvalidSignatureS) revert PauseGuardianSignatureHighS(signer, errArg);
            if (err == ECDSA.RecoverError.InvalidSignatureLength) {
                revert PauseGuardianSignatureLength(signer, uint256(errArg));
            }
            if (recovered != signer) revert PauseGuardianInvalidSignature(signer, recovered);
        } else if (!SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature)) {
            revert PauseGuardianInvalidSignature(signer, address(0));
        }
    }
}
