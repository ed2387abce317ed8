"""Account pages. Each view module keeps its own `urlpatterns`, gathered here under `accounts`."""

from .views import auth, identity, roles, tokens, users

app_name = "accounts"

urlpatterns = [
    *auth.urlpatterns,
    *users.urlpatterns,
    *roles.urlpatterns,
    *tokens.urlpatterns,
    *identity.urlpatterns,
]
