"""Restore flows (import; WSB and BMR flows live beside it)."""
