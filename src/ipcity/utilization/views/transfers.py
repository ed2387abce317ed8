"""Transfers pages."""

urlpatterns = []
