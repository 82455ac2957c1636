"""Port officer pages: screening, referral banner, inspection form; device-search approvals."""
