"""`python -m bot` is the `micromentor` command."""

from bot.cli import main

raise SystemExit(main())
