"""The REST API's shared machinery (issue 14): key authentication, scopes,
rate limits, problem details, pagination and the base view every app's
``api.py`` builds on."""
