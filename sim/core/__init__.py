"""Foundation: the config schema, units, data files, the ledger and the trace."""
