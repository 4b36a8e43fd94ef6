"""The service layer: one handler per command, a message bus, one transaction per command."""
