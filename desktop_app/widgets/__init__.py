"""Reusable widgets: the table grid (model, view)."""
