"""``python -m tests.oidc_provider.setup CLIENT_ID SECRET REDIRECT USER...``:
the provider's application and its users (password "directory-pass")."""

import sys

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

client_id, secret, redirect, *usernames = sys.argv[1:]
Application.objects.create(
    name="Rollout Academy",
    client_id=client_id,
    client_secret=secret,
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=redirect,
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True,
)
for username in usernames:
    User.objects.create_user(username, password="directory-pass")
