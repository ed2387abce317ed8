"""The HTTP API: one NinjaAPI with each app's router mounted under /api/."""

from ninja import NinjaAPI

api = NinjaAPI(title="ipcity API", version="1", urls_namespace="api")
