from django.db import migrations


def fill_role_names(apps, schema_editor):
    user = apps.get_model("accounts", "User")
    names = {}
    memberships = user.groups.through.objects.values_list("user_id", "group__name")
    for user_id, name in memberships:
        names.setdefault(user_id, []).append(name)
    user.objects.update(role_names=[])
    for user_id, roles in names.items():
        user.objects.filter(pk=user_id).update(role_names=sorted(roles))


def forget_role_names(apps, schema_editor):
    apps.get_model("accounts", "User").objects.update(role_names=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_role_names")]

    operations = [migrations.RunPython(fill_role_names, forget_role_names)]
