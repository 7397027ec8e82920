"""REST API of the org tree, and the mixin every scoped API view of later modules uses."""

from django.db.models import QuerySet
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from qunfang.org.access import scope_for, scoped, subtree_q
from qunfang.org.models import Membership, Region
from qunfang.org.roles import ROLE_CAPABILITIES


class ScopedAPIMixin:
    """get_queryset() narrowed by the scoping primitive; sibling objects are a 404."""

    base_queryset: QuerySet

    def get_queryset(self) -> QuerySet:
        return scoped(self.base_queryset.all(), self.request.user)


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "display_name", "level", "parent"]


class RegionListApi(ScopedAPIMixin, generics.ListAPIView):
    """Regions in the caller's scope; `?parent=CODE` lists one node's children,
    `?within=CODE` a whole subtree."""

    base_queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer

    def get_queryset(self) -> QuerySet:
        regions = super().get_queryset()
        parent = self.request.query_params.get("parent")
        within = self.request.query_params.get("within")
        if parent:
            regions = regions.filter(parent__code=parent)
        if within:
            regions = regions.filter(subtree_q(within))
        return regions.order_by("code")


class RegionDetailApi(ScopedAPIMixin, generics.RetrieveAPIView):
    base_queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    lookup_field = "code"


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Membership
        fields = ["id", "username", "region", "department", "role", "is_active"]


class MembershipListApi(ScopedAPIMixin, generics.ListAPIView):
    base_queryset = Membership.objects.select_related("user", "region", "department").order_by(
        "region__code", "role", "user__username"
    )
    serializer_class = MembershipSerializer


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    scope = serializers.ListField(child=serializers.CharField())
    unlimited = serializers.BooleanField()
    memberships = MembershipSerializer(many=True)


class MeApi(APIView):
    """The caller's account, scope roots and memberships with their capabilities."""

    serializer_class = MeSerializer

    def get(self, request) -> Response:
        scope = scope_for(request.user)
        memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
            "region", "department", "user"
        )
        data = MeSerializer(
            {
                "username": request.user.get_username(),
                "scope": list(scope.roots),
                "unlimited": scope.unlimited,
                "memberships": memberships,
            }
        ).data
        data["capabilities"] = sorted(
            set().union(*(ROLE_CAPABILITIES[m.role] for m in memberships))
        )
        return Response(data)
