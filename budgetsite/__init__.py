"""Budget App: the project package, also an installed app (home, health, stats)."""

__version__ = "0.1.0"
