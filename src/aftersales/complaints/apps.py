from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    # Its sweep (sweeps.py) is found by the worker's autodiscovery, like every context's.
    name = "aftersales.complaints"
    label = "complaints"
    verbose_name = "Complaints and SLAs"
