"""Pure rules and the model: no I/O here."""
