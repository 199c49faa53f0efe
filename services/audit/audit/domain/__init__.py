"""The audit trail's pure rules: the hash chain and its verification, group commit."""
