"""ringfence: the rights registry and brand-protection platform for Olympic merchandise."""

__version__ = "0.1.0"
