from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..dashboard import cards_and_html


@login_required
def home(request):
    cards, html = cards_and_html(request)
    return render(request, "core/home.html", {"cards": cards, "cards_html": html})
