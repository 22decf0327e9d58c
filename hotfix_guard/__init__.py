"""hotfix-guard: keeps emergency hotfix releases safe and fast."""

__version__ = "0.1.0"
