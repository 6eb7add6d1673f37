"""Actors that drive a deployed suite through the chain lane (bulwark.chain)."""
