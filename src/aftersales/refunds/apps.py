from django.apps import AppConfig


class RefundsConfig(AppConfig):
    name = "aftersales.refunds"
    label = "refunds"
    verbose_name = "Refunds"
