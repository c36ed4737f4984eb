"""`python -m xltasks` runs the command line."""

from xltasks.cli import main

main()
