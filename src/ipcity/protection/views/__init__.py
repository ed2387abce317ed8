"""Protection pages. Each view module keeps its own `urlpatterns`, gathered here."""
