"""pytest plugin (placeholder while the core lands)."""
