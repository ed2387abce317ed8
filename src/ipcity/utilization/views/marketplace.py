"""Marketplace pages."""

urlpatterns = []
