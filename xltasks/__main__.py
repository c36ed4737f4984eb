"""`python -m xltasks` runs the command line."""

from xltasks.cli.app import main

main()
