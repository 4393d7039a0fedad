"""The HTTP API for the systems around the console (the order system, the helpdesk):
bearer tokens with scopes, JSON in and out, described by an OpenAPI document."""
