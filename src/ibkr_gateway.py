"""Seed compatibility module (filled in by its issue)."""
