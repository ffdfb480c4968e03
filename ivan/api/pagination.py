"""The cursor pages of the API's lists, with their fields described in the document."""

from rest_framework.pagination import CursorPagination

from ivan.api.texts import bilingual


class ProviderCursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        texts = {
            "next": bilingual(
                "Liên kết trang sau (null: hết).", "Link to the next page (null: none)."
            ),
            "previous": bilingual(
                "Liên kết trang trước (null: đang ở đầu).",
                "Link to the previous page (null: first page).",
            ),
            "results": bilingual("Các dòng của trang này.", "This page's rows."),
        }
        for name, text in texts.items():
            field = answer["properties"][name]
            if isinstance(field, dict):  # drf-spectacular also passes a sentinel for examples
                answer["properties"][name] = {**field, "description": text}
        return answer
