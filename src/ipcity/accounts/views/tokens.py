"""Personal API tokens: each user lists, creates and revokes their own.

The key is shown once, on the page that answers the creation; only its SHA-256 is stored, so a
lost key cannot be shown again, only revoked and replaced.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..forms_tokens import APITokenForm
from ..models import APIToken

# Tokens hold no organization data, so they are scoped to their owner rather than by restrict().


def own_tokens(user):
    return APIToken.objects.filter(user=user)


@login_required
def token_list(request):
    tokens = own_tokens(request.user).order_by("revoked_at", "-created_at")
    return render(request, "accounts/tokens.html", {"tokens": tokens, "now": timezone.now()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_create(request):
    form = APITokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = APIToken.issue(
            request.user, form.cleaned_data["name"], expires_at=form.expires_at()
        )
        # Rendered, not redirected: the key must not travel in a URL or survive in the session.
        return render(request, "accounts/tokens_created.html", {"token": token, "key": key})
    return render(request, "accounts/tokens_form.html", {"form": form})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(own_tokens(request.user), pk=pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, _("Revoked the token %(name)s.") % {"name": token.name})
    return redirect("accounts:tokens")


urlpatterns = [
    path("tokens/", token_list, name="tokens"),
    path("tokens/new/", token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
]
