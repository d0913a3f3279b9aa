from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "aftersales.cases"
    label = "cases"
    verbose_name = "After-sales cases"

    def ready(self) -> None:
        # The other contexts' batch effects of the case steps (services.after_step).
        from aftersales.cases import logistics, services

        services.after_step("ship_return")(logistics.after_ship_return)
        services.after_step("confirm_receipt")(logistics.after_confirm_receipt)
        services.after_step("inspect")(logistics.after_inspect)
        services.after_step("ship_replacement")(logistics.after_ship_replacement)
