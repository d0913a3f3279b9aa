from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """config wires everything; as an app it hosts the commands that start the whole platform
    (run, serve, worker, demo)."""

    name = "aftersales.config"
    label = "config"
    verbose_name = "Configuration"
