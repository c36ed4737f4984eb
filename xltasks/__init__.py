"""xltasks: run a government task-breakdown programme from Excel."""

__version__ = "0.1.0"
