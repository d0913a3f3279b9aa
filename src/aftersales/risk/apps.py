from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "aftersales.risk"
    label = "risk"
    verbose_name = "Risk signals"

    def ready(self) -> None:
        # The scoring hooks on case opening, the steps that bring new facts and carrier scans
        # register on import (hooks.py; recovery.py pays the merchant back after an upheld claim on
        # a fast-lane refund), as cases' own after-step effects do; disputes.py scores disputes
        # and compensation claims as they open.
        from aftersales.risk import disputes, hooks, recovery  # noqa: F401
