"""Cultivation pages."""

urlpatterns = []
