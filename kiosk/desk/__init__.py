"""The counter desk (R32): finishing offline renewals of non-cloud certificates onto the
holder's token. No Qt here: a flow stage calls `kiosk.desk.issuance` through its Protocols."""
