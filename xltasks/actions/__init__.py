"""One workflow per verb: each takes paths and settings, returns a result, prints nothing."""
