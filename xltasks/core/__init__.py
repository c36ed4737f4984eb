"""The pure core: tasks, units, deadlines, findings and rules; no files, no Excel, no terminal."""
