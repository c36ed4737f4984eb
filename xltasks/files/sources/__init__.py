"""Files that come in: what a file really is before any library opens it, and published tables read into grids."""
