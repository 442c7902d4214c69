from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.validators import validate_uscc
from parkportal.core import clock


class Enterprise(models.Model):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    green_channel = models.BooleanField(_("green channel"), default=False)
    registered_on = models.DateField(_("registered in the park on"))
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enterprise (企业)")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BankAccount(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="bank_accounts"
    )
    holder_name = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    account_number = models.CharField(_("account number"), max_length=34)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bank account (银行账户)")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "account_number"],
                name="bank_account_unique_per_enterprise",
            )
        ]
        # Serves the risk check "is this payee account known to another
        # enterprise".
        indexes = [models.Index(fields=["account_number"], name="bank_account_number")]

    def __str__(self):
        return f"{self.bank_name} {mask_account(self.account_number)}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Contract(models.Model):
    """A contract under which the enterprise paid the park money."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("contract number"), max_length=60)
    title = models.CharField(_("title"), max_length=200, blank=True)
    paid_amount = models.DecimalField(
        _("amount paid"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contract (合同)")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "number"], name="contract_unique_per_enterprise"
            ),
            models.CheckConstraint(
                condition=models.Q(paid_amount__gte=0),
                name="contract_paid_not_negative",
            ),
        ]

    def __str__(self):
        return self.number


class User(AbstractUser):
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("enterprise"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        default="zh-hans",
        choices=[("zh-hans", "中文"), ("en", "English")],
    )
    # The names of the user's groups, so that the row every request loads
    # to authenticate also says what the user may do. Only
    # parkportal.accounts.signals writes it, when the groups change; NULL
    # (rows written around the ORM) means unknown, and the groups are read.
    role_names = models.JSONField(_("roles"), null=True, default=list, editable=False)

    class Meta:
        verbose_name = _("user (用户)")
        verbose_name_plural = _("users")

    def __str__(self):
        return user_label(
            display_name=self.display_name,
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )

    def save(self, **kwargs):
        # Only parkportal.accounts.signals writes the roles. A new row has
        # no groups yet; an instance read before its groups changed must not
        # write its stale copy back, or a revoked role would return.
        if self._state.adding or kwargs.get("force_insert"):
            self.role_names = []
        elif kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "role_names"
            ]
        super().save(**kwargs)


def user_label(*, display_name: str, first_name: str, last_name: str, username: str):
    """How a person is named on screens: `str(user)` from the columns alone,
    for reads that fetch no user."""
    return display_name or f"{first_name} {last_name}".strip() or username


def mask_account(number: str) -> str:
    """Show only the last four digits of a bank account number."""
    digits = (number or "").replace(" ", "")
    if len(digits) <= 4:
        return "****"
    return "**** " + digits[-4:]
