"""The Slack front end: slash command, Block Kit messages, modals and App Home via slack-bolt."""
