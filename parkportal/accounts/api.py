"""API for accounts: token sign-in and the enterprises a caller may see."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken

from parkportal.accounts.models import BankAccount, Contract, Enterprise, mask_account
from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core.apiviews import ParkportalAPIMixin
from parkportal.core.schema import ErrorAwareSchema
from parkportal.core.throttles import TokenObtainThrottle


def sees_full_account(user, enterprise_id: int) -> bool:
    """The enterprise itself and finance (who pays) read a whole account
    number; everyone else reads its last four digits."""
    if has_role(user, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR):
        return True
    return has_role(user, Role.ENTERPRISE) and user.enterprise_id == enterprise_id


def enterprises_visible_to(user):
    enterprises = Enterprise.objects.prefetch_related(
        "contracts",
        Prefetch(
            "bank_accounts",
            queryset=BankAccount.objects.filter(verified_at__isnull=False),
            to_attr="verified_accounts",
        ),
    )
    if has_role(user, Role.ENTERPRISE):
        return enterprises.filter(pk=user.enterprise_id)
    if is_staff_member(user):
        return enterprises
    return enterprises.none()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    """Trade a username and password for the token an integration sends as
    `Authorization: Token <token>`."""

    schema = ErrorAwareSchema()
    authentication_classes = ()
    # Caps password guessing per address, and answers a locked-out account
    # with the same 429.
    throttle_classes = [TokenObtainThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class ContractSerializer(serializers.ModelSerializer):
    paid_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True
    )

    class Meta:
        model = Contract
        fields = ("id", "number", "title", "paid_amount", "currency", "signed_on")
        read_only_fields = fields


class BankAccountSerializer(serializers.ModelSerializer):
    account_number = serializers.SerializerMethodField()

    class Meta:
        model = BankAccount
        fields = ("id", "holder_name", "bank_name", "account_number", "verified_at")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_account_number(self, account):
        user = self.context["request"].user
        if sees_full_account(user, account.enterprise_id):
            return account.account_number
        return mask_account(account.account_number)


class EnterpriseSerializer(serializers.ModelSerializer):
    contracts = ContractSerializer(many=True, read_only=True)
    bank_accounts = BankAccountSerializer(
        source="verified_accounts", many=True, read_only=True
    )

    class Meta:
        model = Enterprise
        fields = (
            "id",
            "name",
            "credit_code",
            "contact_name",
            "contact_email",
            "contact_phone",
            "green_channel",
            "registered_on",
            "contracts",
            "bank_accounts",
        )
        read_only_fields = fields


@extend_schema(tags=["enterprises"])
class EnterpriseViewSet(
    ParkportalAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Enterprises with their contracts and verified bank accounts. An
    enterprise user sees its own; staff see all."""

    serializer_class = EnterpriseSerializer

    def get_queryset(self):
        return enterprises_visible_to(self.request.user).order_by("id")
