from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Per API token for tool traffic, per user for browser sessions (rate: THROTTLE 'token')."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous callers are AnonRateThrottle's
        token = request.auth
        ident = f"token-{token.pk}" if hasattr(token, "pk") else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


__all__ = ["AnonRateThrottle", "TokenRateThrottle"]
