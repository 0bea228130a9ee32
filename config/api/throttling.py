"""Request throttles for the API: per token (or session user), per anonymous IP, and per IP for
credentials the API refused (asked by config.middleware.FailedAuthenticationLimit)."""

import math

from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle


def client_ip(request) -> str:
    """The client's address as every throttle reads it (X-Forwarded-For only behind
    API_NUM_PROXIES proxies): the API's and the login's (django-axes, AXES_CLIENT_IP_CALLABLE)."""
    return BaseThrottle().get_ident(request)


class TokenRateThrottle(SimpleRateThrottle):
    """Per API token for tool traffic, per user for browser sessions (rate: THROTTLE 'token')."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous callers are AnonRateThrottle's
        token = request.auth
        ident = f"token-{token.pk}" if hasattr(token, "pk") else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailedAuthentications(SimpleRateThrottle):
    """Refused credentials per client IP, counted in fixed windows of the rate's period (rate:
    THROTTLE 'failed_auth'). Not a view throttle: config.middleware.FailedAuthenticationLimit
    asks and tells it.

    A counter the cache increments atomically rather than DRF's list of request times: parallel
    guesses must not overwrite each other's count.
    """

    scope = "failed_auth"

    def retry_after(self, request) -> int | None:
        """Seconds until this client may present credentials again, or None if it may now."""
        if self.rate is None:
            return None
        key, seconds_left = self._window(request)
        if self.cache.get(key, 0) < self.num_requests:
            return None
        return max(1, math.ceil(seconds_left))

    def record_failure(self, request) -> None:
        if self.rate is None:
            return
        key, _ = self._window(request)
        # add() starts the window's count; incr() fails only if it expired just now.
        if not self.cache.add(key, 1, timeout=self.duration):
            try:
                self.cache.incr(key)
            except ValueError:
                self.cache.add(key, 1, timeout=self.duration)

    def _window(self, request) -> tuple[str, float]:
        """The cache key of the client's current window, and the seconds left in it."""
        now = self.timer()
        window = int(now // self.duration)
        ident = f"{self.get_ident(request)}-{window}"
        return self.cache_format % {"scope": self.scope, "ident": ident}, (
            (window + 1) * self.duration - now
        )


__all__ = ["AnonRateThrottle", "FailedAuthentications", "TokenRateThrottle", "client_ip"]
