from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..dashboard import cards_for


@login_required
def home(request):
    return render(request, "core/home.html", {"cards": cards_for(request)})
