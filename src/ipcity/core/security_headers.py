"""Content Security Policy on every answer.

Scripts only from the platform's own static files (`script-src 'self'`): no inline script, no
inline event handler, no `eval`, nothing from another host. Data for charts travels in
`<script type="application/json">` blocks (`json_script`), which the browser never runs, and the
static scripts read them. Styles allow inline `style` attributes (progress bars, chart heights);
everything else — fonts, images, connections — comes from the platform itself. Framing is
refused (`frame-ancestors 'none'`, with X-Frame-Options DENY for older browsers), forms post
only to the platform, and plugins are off.

The policy is `settings.IPCITY_CSP`; a view that sets its own header keeps it.
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"

DEFAULT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_text(policy: dict) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = policy_text(getattr(settings, "IPCITY_CSP", DEFAULT_POLICY))

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.header
        return response
