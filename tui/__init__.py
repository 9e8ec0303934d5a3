"""vardia's terminal app and command line."""
