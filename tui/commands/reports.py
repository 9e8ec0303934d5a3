"""Placeholder: the reports subcommands land here."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
