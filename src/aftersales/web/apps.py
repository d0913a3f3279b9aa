from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "aftersales.web"
    label = "web"
    verbose_name = "Portal pages"
