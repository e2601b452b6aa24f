"""The pages of the main window: one per table, section or task."""
