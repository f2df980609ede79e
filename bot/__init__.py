"""Rasa-specific parts of the assistant that are not actions."""
