"""The process: command line, wiring the core together, timers, signals, health, backups.

Nothing below `bot.service` imports from here; front ends use it only to start and run.
"""
