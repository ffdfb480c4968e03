"""``bhxh-signer --module /path/to/pkcs11.so --allow-origin https://portal.example``"""

from __future__ import annotations

import argparse
import logging
import sys

from bhxh_signer import DEFAULT_PORT, PROTOCOL_VERSION
from bhxh_signer.console import console_default
from bhxh_signer.protocol import origin_normalise
from bhxh_signer.server import SignerServer
from bhxh_signer.token import TokenAccess


def _origin(value: str) -> str:
    try:
        return origin_normalise(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bhxh-signer",
        description="Chương trình ký số trên máy của đơn vị: ký cho cổng BHXH bằng USB token "
        "(PKCS#11), mỗi yêu cầu được xác nhận tại đây.",
    )
    parser.add_argument(
        "--module",
        required=True,
        help="thư viện PKCS#11 của token (.so / .dll / .dylib do nhà cung cấp token cài)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        required=True,
        type=_origin,
        metavar="ORIGIN",
        help="địa chỉ cổng được phép gửi yêu cầu, ví dụ https://portal.example (lặp lại được)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"cổng trên 127.0.0.1 ({DEFAULT_PORT})"
    )
    parser.add_argument("--token-label", help="nhãn của token khi cắm nhiều token")
    parser.add_argument(
        "--confirm-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="thời gian chờ xác nhận (và nhập PIN); hết giờ là từ chối (60)",
    )
    parser.add_argument("--verbose", action="store_true", help="ghi nhật ký chi tiết")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        token = TokenAccess(args.module, token_label=args.token_label)
    except Exception as exc:  # the module failed to load: say so plainly and stop
        sys.stderr.write(f"Không nạp được thư viện PKCS#11 {args.module}: {exc}\n")
        raise SystemExit(2) from exc
    console = console_default(args.confirm_timeout)
    try:
        server = SignerServer(
            args.port, token=token, console=console, origins=set(args.allow_origin)
        )
    except OSError as exc:
        sys.stderr.write(f"Không mở được cổng 127.0.0.1:{args.port}: {exc}\n")
        raise SystemExit(2) from exc
    status = token.status()
    console.say(f"bhxh-signer (giao thức {PROTOCOL_VERSION})")
    console.say(f"Đang chạy tại http://127.0.0.1:{server.server_port}")
    console.say("Trang được phép: " + ", ".join(sorted(server.origins)))
    console.say(
        f"Token: {status['token_label']}" if status["token_present"] else "Token: chưa cắm token"
    )
    console.say("Giữ cửa sổ này mở khi ký trên cổng; Ctrl+C để dừng.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
