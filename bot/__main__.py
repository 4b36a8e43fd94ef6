"""`python -m bot` is the `micromentor` command."""

from bot.process.cli import main

raise SystemExit(main())
