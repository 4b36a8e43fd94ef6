"""Prometheus metrics: what the bot does, counted where it happens."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

COMMANDS = Counter(
    "micromentor_commands",
    "Commands by name and outcome",
    ["command", "outcome"],
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "micromentor_command_seconds",
    "Time to run a command (one transaction)",
    ["command"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
REQUESTS = Gauge("micromentor_requests", "Help requests by state", ["state"], registry=REGISTRY)
OFFERS = Counter(
    "micromentor_offers",
    "Offers by event (sent, accepted, declined, expired)",
    ["event"],
    registry=REGISTRY,
)
TIME_TO_ACCEPT = Histogram(
    "micromentor_time_to_accept_seconds",
    "From asking to the first accept",
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400),
    registry=REGISTRY,
)
SESSIONS = Counter(
    "micromentor_sessions", "Sessions ended, by outcome", ["outcome"], registry=REGISTRY
)
RATINGS = Counter("micromentor_ratings", "Ratings given", registry=REGISTRY)
DISPUTES = Counter("micromentor_disputes", "Disputes and reports opened", registry=REGISTRY)
DUE_ACTIONS = Counter(
    "micromentor_due_actions",
    "Due actions run, by kind and outcome",
    ["kind", "outcome"],
    registry=REGISTRY,
)
PLATFORM_ERRORS = Counter(
    "micromentor_platform_api_errors",
    "Platform API calls that failed",
    ["platform"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "micromentor_rate_limited",
    "Commands refused by the per-member rate limit",
    registry=REGISTRY,
)
