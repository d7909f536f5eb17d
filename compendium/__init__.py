"""Compile UN entities' records on ending violence against women into a compendium."""

__version__ = "0.1.0"
