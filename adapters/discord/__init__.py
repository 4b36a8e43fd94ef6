"""The Discord front end: /mentor and /mentor-mod app commands, embeds and persistent buttons."""
