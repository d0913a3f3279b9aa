from django.apps import AppConfig


class GuaranteeConfig(AppConfig):
    name = "aftersales.guarantee"
    label = "guarantee"
    verbose_name = "Guarantee fund"
