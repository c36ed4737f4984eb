"""The pure core: tasks, units, deadlines, findings and rules, validation/ among them; no files, Excel or terminal."""
