from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "aftersales.policy"
    label = "policy"
    verbose_name = "Policy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from aftersales.policy.defaults import publish_shipped_default

        # The migration publishes cn-default@1; `flush` (tests with transactions) empties the
        # table and sends post_migrate, so the shipped default comes back when none is left.
        post_migrate.connect(
            publish_shipped_default, sender=self, dispatch_uid="aftersales-policy-default"
        )
