"""One module per command or command family; the group in cli.py loads each only when it runs.

Shared pieces (the global options, exit-code texts, output) live in commands/common.py.
"""
