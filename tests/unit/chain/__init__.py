"""The chain lane (bulwark.chain): behaviour each backend must share."""
