from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "aftersales.notify"
    label = "notify"
    verbose_name = "Notifications and webhooks"
