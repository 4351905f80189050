"""Use cases over one eventsourcing Application: one event log whose notification ids are
positions."""
