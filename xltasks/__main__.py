"""`python -m xltasks` runs the command line."""

from xltasks.cli.app import main

if __name__ == "__main__":  # not when a worker process of `xltasks serve` imports this module as its __mp_main__
    main()
