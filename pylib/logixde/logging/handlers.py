"""Additional handlers for the logging package (logixde: implemented in Rust)."""
