"""Certification pages."""

urlpatterns = []
