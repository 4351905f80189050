"""The 联述联评联考 domain: aggregates, scheme and scoring. Imports only stdlib and
eventsourcing.domain."""
