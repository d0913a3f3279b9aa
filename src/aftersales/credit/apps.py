from django.apps import AppConfig


class CreditConfig(AppConfig):
    # Its sweep (sweeps.py) is found by the worker's autodiscovery, like every context's.
    name = "aftersales.credit"
    label = "credit"
    verbose_name = "Buyer and merchant after-sales credit"

    def ready(self) -> None:
        # What a merchant restriction changes in cases and the guarantee fund (enforce.py).
        from aftersales.credit import enforce

        enforce.register()
