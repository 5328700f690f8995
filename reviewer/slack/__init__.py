"""The Slack app: slash command, mentions, message shortcut and verdict buttons (Bolt)."""
