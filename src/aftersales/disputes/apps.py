from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "aftersales.disputes"
    label = "disputes"
    verbose_name = "Platform disputes"

    def ready(self) -> None:
        # A case's appeal to the platform opens a dispute (cases.services.after_step).
        from aftersales.disputes import hooks  # noqa: F401
