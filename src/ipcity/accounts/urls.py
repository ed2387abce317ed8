"""Account pages. Each view module keeps its own `urlpatterns`, gathered here under `accounts`."""

from .views import auth, roles, tokens, users

app_name = "accounts"

urlpatterns = [
    *auth.urlpatterns,
    *users.urlpatterns,
    *roles.urlpatterns,
    *tokens.urlpatterns,
]
