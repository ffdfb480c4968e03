"""The portal's URLs plus the floor of benchmarks/ivan_load.py: a bare DRF endpoint that
takes the same XML body and answers a small JSON document (no auth, no work)."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ivan.api.dossiers import XmlBodyParser
from portal.urls import urlpatterns as portal_urlpatterns


class FloorView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = [XmlBodyParser]

    def post(self, request):
        return Response({"bytes": len(request.data)}, status=201)


urlpatterns = [path("bench/floor", FloorView.as_view()), *portal_urlpatterns]
