from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "aftersales.risk"
    label = "risk"
    verbose_name = "Risk signals"

    def ready(self) -> None:
        # The scoring hooks on case opening, the steps that bring new facts and carrier scans
        # register on import (hooks.py), as cases' own after-step effects do.
        from aftersales.risk import hooks  # noqa: F401
