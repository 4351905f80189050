"""Use cases: get → decide → save → return. Each takes (app, request, ...) and returns an
Outcome."""
