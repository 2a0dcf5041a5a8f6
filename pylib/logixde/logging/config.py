"""Configuration functions for the logging package (logixde: not yet implemented in Rust)."""
