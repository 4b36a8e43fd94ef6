"""The console front end: act as any user from a terminal or a script, see what everyone gets."""
