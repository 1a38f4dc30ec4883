"""Pure domain logic: plain Python, no Flask, no models, no extensions."""
