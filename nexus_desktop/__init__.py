"""Nexus Desktop: read and search a knowledge base of Markdown files, fully offline."""

__version__ = "0.1.0"
