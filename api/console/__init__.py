"""The web console: another adapter at the HTTP edge (server-rendered Jinja2 pages calling the same
use cases as the JSON API), with its assets served by this app."""
