from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "aftersales.cases"
    label = "cases"
    verbose_name = "After-sales cases"

    def ready(self) -> None:
        # The other contexts' batch effects of the case steps (services.after_step) register
        # on import: return logistics and the refund ledger.
        from aftersales.cases import logistics, refunding  # noqa: F401
