"""The portal once kept the return address in Merchant.settings["return_address"]; the return
flow reads ReturnSettings. Move any address kept there (unless the merchant already has return
settings) and drop the old key, so the address has one home."""

from django.db import migrations

from aftersales.core import pii


def move_addresses(apps, schema_editor):
    Merchant = apps.get_model("accounts", "Merchant")
    ReturnSettings = apps.get_model("returns", "ReturnSettings")
    for merchant in Merchant.objects.filter(settings__has_key="return_address"):
        stored = merchant.settings.pop("return_address") or {}
        if stored and not ReturnSettings.objects.filter(merchant_id=merchant.pk).exists():
            ReturnSettings.objects.create(
                merchant_id=merchant.pk,
                contact_name=pii.decrypt(stored["name"]),
                contact_phone=pii.decrypt(stored["phone"]),
                address=pii.decrypt(stored["address"]),
            )
        merchant.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0002_tracking_events_are_append_only"),
        ("accounts", "0002_alter_user_managers"),
    ]
    operations = [migrations.RunPython(move_addresses, migrations.RunPython.noop)]
