"""Offline tools that build and check the NLU training data (not used at runtime)."""
