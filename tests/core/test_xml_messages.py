"""The parser's English never shows inside a Vietnamese refusal; an English reader keeps it."""

import pytest
from lxml import etree

from core.refusals import err
from core.xml_messages import signature_detail, vietnamese

MALFORMED = [
    (b"<a><b>x</b>", "tệp kết thúc khi thẻ <a> (dòng 1) chưa đóng"),
    (b"<a><b>x</c></a>", "thẻ mở <b> (dòng 1) không khớp với thẻ đóng </c>"),
    (b"<a>&</a>", "ký tự '&' đứng một mình (cần viết &amp;)"),
    (b"<a/>junk", "có nội dung thừa sau phần tử gốc"),
    (b"<a>\xff\xfe</a>", "tệp có byte không đúng bảng mã (cần UTF-8)"),
]
SCHEMA = (
    b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="R"><xs:complexType>'
    b'<xs:sequence><xs:element name="A"><xs:simpleType><xs:restriction base="xs:string">'
    b'<xs:maxLength value="3"/></xs:restriction></xs:simpleType></xs:element>'
    b'<xs:element name="B" type="xs:integer"/></xs:sequence></xs:complexType></xs:element>'
    b"</xs:schema>"
)


def _parse_error(data: bytes) -> str:
    with pytest.raises(etree.XMLSyntaxError) as caught:
        etree.fromstring(data)
    return caught.value.msg


@pytest.mark.parametrize(("data", "expected"), MALFORMED)
def test_parse_errors_in_vietnamese(data, expected):
    assert vietnamese(_parse_error(data)) == expected


def test_schema_errors_in_vietnamese():
    schema = etree.XMLSchema(etree.fromstring(SCHEMA))
    schema.validate(etree.fromstring(b"<R><A>abcd</A><B>x</B><C/></R>"))
    got = [vietnamese(e.message) for e in schema.error_log]
    assert got == [
        "giá trị của <A> dài 4 ký tự, quá mức tối đa 3",
        "giá trị 'x' của <B> không đúng kiểu",
        "thẻ <C> không có trong mẫu hoặc không đúng chỗ",
    ]


def test_an_unknown_message_is_still_vietnamese():
    assert (
        vietnamese("Some future libxml2 wording, line 3, column 9") == "cấu trúc XML không hợp lệ"
    )


def test_the_refusal_is_vietnamese_for_vietnamese_readers_and_as_written_for_english():
    detail = _parse_error(b"<D02-LT><NoiDung>")
    problem = err("XML_MALFORMED", form="D02-LT", line=1, detail=detail)
    vi = problem.text("vi")
    assert "Premature" not in vi and "tệp kết thúc khi thẻ <NoiDung>" in vi
    assert "Premature end of data in tag NoiDung" in problem.text("en")
    form = err("XSD_FORM", form="D02-LT", detail="Element 'Foo': This element is not expected.")
    assert form.text("vi").endswith("thẻ <Foo> không có trong mẫu hoặc không đúng chỗ")


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("signed data is not XML", "dữ liệu được ký không phải XML"),
        ("3 references", "có 3 tham chiếu"),
        ("SignedInfo", "SignedInfo"),  # a name is shown as it is
        ("URI='#obj'", "URI='#obj'"),
        ("CN=TSA thử,O=BHXH", "CN=TSA thử,O=BHXH"),
        ("KeyError", "cấu trúc chữ ký không đọc được"),  # an exception's name, never
        ("Expected to find XML element Signature in None", "cấu trúc chữ ký không đọc được"),
    ],
)
def test_signature_details_in_vietnamese(detail, expected):
    assert signature_detail(detail) == expected


def test_a_signature_refusal_carries_no_library_text_in_vietnamese():
    problem = err("SIG_MALFORMED", form="D02-LT", detail="InvalidInput")
    assert "InvalidInput" not in problem.text("vi") and "InvalidInput" in problem.text("en")
