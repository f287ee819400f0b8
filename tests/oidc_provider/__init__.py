"""A small OpenID Connect provider (django-oauth-toolkit) that the single
sign-on tests start in their own process: the company's directory, for real,
rather than a mock of the client library."""
