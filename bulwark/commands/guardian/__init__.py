"""`bulwark guardian`: the PauseGuardian signers' tools, one subcommand per module of this package.

    bulwark guardian propose --deployment deployments/31337.json --spec change.yaml --out change.json
    bulwark guardian sign --typed-data change.json --account ALIAS --out alice.sig.json
    bulwark guardian submit --typed-data change.json --signature alice.sig.json --signature ...
    bulwark guardian execute --operation change.operation.json
    bulwark guardian status --deployment deployments/31337.json

The shared logic is in the library (`bulwark.signing.specs`, `.readable`, `.requests` and
`bulwark.governance`); these modules parse options and print. docs/GUARDIAN_TOOLS.md walks through it.
"""

from bulwark.cli import PackageGroup

cli = PackageGroup(
    name="guardian",
    package=__name__,
    help="PauseGuardian signer tools: propose, sign, submit, execute, status.",
)
