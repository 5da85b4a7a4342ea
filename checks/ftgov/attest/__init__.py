"""The attestation pillar: signed statements a launcher verifies with no network and no token.

A statement is an in-toto Statement v1 (`statement`), wrapped in a DSSE envelope and signed
either with an organisation key (`keys`: Ed25519 or ECDSA P-256) or keyless with Sigstore
from a GitHub Actions workflow (`keyless`). `verify` reads a file, tells the two apart,
refuses anything unsigned, and checks the signature against the signers the operator
trusts. `approval` builds and judges the gate's approval statement; `chain` the statements
record-run, evaluate and decide add after it.

Imports only `ftgov.documents`: the register and the gate both verify statements.
"""
