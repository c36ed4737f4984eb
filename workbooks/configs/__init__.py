"""Office configs for the sample programmes."""
