"""Data files shipped with the NLU package."""
