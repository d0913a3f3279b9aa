from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "aftersales.cases"
    label = "cases"
    verbose_name = "After-sales cases"

    def ready(self) -> None:
        # The step effects other contexts write (after_step hooks) register on import.
        from aftersales.cases import refunding  # noqa: F401
