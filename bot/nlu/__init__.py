"""Custom NLU components registered with Rasa's graph recipe."""
