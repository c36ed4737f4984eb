"""Source tables as published (xlsx and docx) and the seed texts they were built from."""
