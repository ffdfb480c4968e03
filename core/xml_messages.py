"""libxml2's messages (lxml's parse and XML Schema errors), and the signature checks' details,
in Vietnamese.

A refusal's ``{detail}`` carries the parser's own English words ("Premature end of data in
tag …"); a Vietnamese reader gets them translated here, an English one as the parser wrote
them. A message not listed becomes a plain Vietnamese sentence: never English inside
Vietnamese. The parser's line and column are dropped (the refusal's location has the line).
"""

from __future__ import annotations

import re

_POSITION = re.compile(r",? line \d+, column \d+\s*$")

# (pattern over the message without its position, Vietnamese with the pattern's groups)
_PARSE = [
    (r"Premature end of data in tag (\S+) line (\d+)", "tệp kết thúc khi thẻ <{0}> (dòng {1}) chưa đóng"),
    (r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
     "thẻ mở <{0}> (dòng {1}) không khớp với thẻ đóng </{2}>"),
    (r"Start tag expected, '<' not found", "không tìm thấy thẻ mở đầu (ký tự '<')"),
    (r"Extra content at the end of the document", "có nội dung thừa sau phần tử gốc"),
    (r"xmlParseEntityRef: no name", "ký tự '&' đứng một mình (cần viết &amp;)"),
    (r"EntityRef: expecting ';'", "tham chiếu ký tự thiếu dấu ';' (ký tự '&' cần viết &amp;)"),
    (r"AttValue: \" or ' expected", "giá trị thuộc tính phải nằm trong dấu nháy"),
    (r"Attribute (\S+) redefined", "thuộc tính {0} được khai báo hai lần"),
    (r"error parsing attribute name", "tên thuộc tính viết sai"),
    (r"Invalid bytes in character encoding", "tệp có byte không đúng bảng mã (cần UTF-8)"),
    (r"Input is not proper UTF-8.*", "tệp không đúng bảng mã UTF-8"),
    (r"StartTag: invalid element name", "tên thẻ không hợp lệ"),
    (r"PCDATA invalid Char value (\d+)", "có ký tự không được phép trong XML (mã {0})"),
    (r"Char 0x([0-9A-Fa-f]+) out of allowed range", "có ký tự không được phép trong XML (0x{0})"),
    (r"Unescaped '<' not allowed in attributes values",
     "ký tự '<' trong giá trị thuộc tính phải viết &lt;"),
    (r"Document is empty", "tệp rỗng"),
    (r"Namespace prefix (\S+) on (\S+) is not defined", "tiền tố {0} của thẻ <{1}> chưa khai báo"),
    (r"Sequence '\]\]>' not allowed in content", "chuỗi ']]>' không được phép trong nội dung"),
    (r"CData section not finished.*", "đoạn CDATA chưa kết thúc"),
    (r"Comment not terminated.*", "chú thích chưa kết thúc"),
    (r"Couldn't find end of Start Tag (\S+) line (\d+)",
     "thẻ mở <{0}> (dòng {1}) thiếu dấu '>'"),
    (r"expected '>'", "thiếu dấu '>'"),
    (r"Specification mandates value for attribute (\S+)", "thuộc tính {0} thiếu giá trị"),
]  # fmt: skip

_SCHEMA = [
    (r"Element '([^']+)': This element is not expected\. Expected is one of \( ([^)]*) \)\.",
     "thẻ <{0}> không đúng chỗ; ở đây cần một trong các thẻ: {1}"),
    (r"Element '([^']+)': This element is not expected\. Expected is \( ([^)]*) \)\.",
     "thẻ <{0}> không đúng chỗ; ở đây cần thẻ {1}"),
    (r"Element '([^']+)': This element is not expected\.",
     "thẻ <{0}> không có trong mẫu hoặc không đúng chỗ"),
    (r"Element '([^']+)': Missing child element\(s\)\. Expected is one of \( ([^)]*) \)\.",
     "thẻ <{0}> thiếu thẻ con; cần một trong các thẻ: {1}"),
    (r"Element '([^']+)': Missing child element\(s\)\. Expected is \( ([^)]*) \)\.",
     "thẻ <{0}> thiếu thẻ con {1}"),
    (r"Element '([^']+)': No matching global declaration available for the validation root\.",
     "phần tử gốc <{0}> không phải của mẫu này"),
    (r"Element '([^']+)': \[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds "
     r"the allowed maximum length of '(\d+)'\.",
     "giá trị của <{0}> dài {1} ký tự, quá mức tối đa {2}"),
    (r"Element '([^']+)', attribute '([^']+)': The attribute '[^']+' is not allowed\.",
     "thẻ <{0}> không được có thuộc tính {1}"),
    (r"Element '([^']+)': Character content other than whitespace is not allowed because the "
     r"content type is 'element-only'\.",
     "thẻ <{0}> chỉ được chứa các thẻ con, không chứa chữ"),
    (r"Element '([^']+)': '([^']*)' is not a valid value of the (?:atomic|local atomic) type .*",
     "giá trị '{1}' của <{0}> không đúng kiểu"),
    (r"Element '([^']+)': \[facet '(\w+)'\] .*", "giá trị của <{0}> không đúng quy định ({1})"),
    (r"Element '([^']+)': .*", "thẻ <{0}> không đúng mẫu"),
    # The portal's own checks beyond the schema (registration forms).
    (r"root (\S+)", "phần tử gốc được ký là <{0}>, không phải của mẫu này"),
    (r"NgayLap (.*)", "ngày lập '{0}' không có trên lịch"),
]  # fmt: skip

_COMPILED = [(re.compile(p, re.S), vi) for p, vi in _PARSE + _SCHEMA]


# The signature checks' own details (declarations.employers.pki), said again in Vietnamese.
_SIGNATURE = {
    "timestamps": "dấu thời gian",
    "signed data is not XML": "dữ liệu được ký không phải XML",
    "not an RFC 3161 token": "không phải dấu thời gian RFC 3161",
    "signer": "người ký dấu thời gian",
    "hash algorithm": "thuật toán băm",
    "not over this signature": "không được cấp cho chữ ký này",
    "the TSA's certificate is not in the token": "dấu thời gian không kèm chứng thư của nơi cấp",
    "not a time-stamping certificate": "không phải chứng thư cấp dấu thời gian",
}
_REFERENCES = re.compile(r"(\d+) references")
# An exception's class name (``ValueError``, ``InvalidInput``…): never shown to a reader.
_LIBRARY_NAME = re.compile(r"[A-Z]\w*(?:Error|Exception|Input|Warning)")
# What names a thing rather than says something: an element's name or tag, a URI, a
# distinguished name. Shown as it is.
_NAME = re.compile(r"<[^>]+>|[A-Za-z][\w:.-]*|URI=.*|(?:[A-Za-z.0-9]+=[^,]*,?)+")


def signature_detail(detail: str) -> str:
    """A signature check's ``detail`` in Vietnamese: its own phrases translated, a name kept,
    anything else (a library's exception text or name) a plain Vietnamese phrase."""
    text = (detail or "").strip()
    if text in _SIGNATURE:
        return _SIGNATURE[text]
    found = _REFERENCES.fullmatch(text)
    if found:
        return f"có {found.group(1)} tham chiếu"
    if _NAME.fullmatch(text) and not _LIBRARY_NAME.fullmatch(text):
        return text
    return "cấu trúc chữ ký không đọc được"


def vietnamese(message: str) -> str:
    """``message`` of libxml2 in Vietnamese; one not listed as a plain Vietnamese sentence."""
    text = _POSITION.sub("", (message or "").strip())
    for pattern, vi in _COMPILED:
        found = pattern.fullmatch(text)
        if found:
            return vi.format(*found.groups())
    return "cấu trúc XML không hợp lệ"
