from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.models import (
    BankAccount,
    Contract,
    Enterprise,
    User,
    mask_account,
)


class BankAccountInline(admin.TabularInline):
    model = BankAccount
    extra = 0
    fields = ("holder_name", "bank_name", "account_number", "verified_at")


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("number", "title", "paid_amount", "currency", "signed_on")


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "credit_code",
        "contact_name",
        "contact_phone",
        "green_channel",
        "registered_on",
    )
    list_filter = ("green_channel",)
    search_fields = ("name", "credit_code", "contact_name", "contact_email")
    inlines = (ContractInline, BankAccountInline)


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = (
        "enterprise",
        "holder_name",
        "bank_name",
        "masked_number",
        "verified_at",
    )
    list_filter = (("verified_at", admin.EmptyFieldListFilter), "bank_name")
    search_fields = ("enterprise__name", "holder_name", "account_number")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise",)

    @admin.display(description=_("account number"))
    def masked_number(self, account):
        return mask_account(account.account_number)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "enterprise",
        "title",
        "paid_amount",
        "currency",
        "signed_on",
    )
    list_filter = ("currency",)
    search_fields = ("number", "title", "enterprise__name")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise",)
    date_hierarchy = "signed_on"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "enterprise",
        "role_names",
        "language",
        "is_active",
        "is_staff",
    )
    list_filter = ("groups", "language", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "email", "enterprise__name")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Park"), {"fields": ("enterprise", "display_name", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Park"), {"fields": ("enterprise", "display_name", "language")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_names(self, user):
        return ", ".join(group.name for group in user.groups.all())
