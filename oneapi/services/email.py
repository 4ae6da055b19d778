"""Outgoing mail over SMTP (STARTTLS when offered, implicit TLS on port 465)."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from ..errors import BadRequest, UpstreamError
from . import options

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 10


def smtp_configured() -> bool:
    return bool(options.get_option("SMTPServer").strip())


def _tls_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if not current_app.config["SETTINGS"].force_email_tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def send_email(subject: str, receiver: str, html: str) -> None:
    """Send one HTML message with the SMTP options; raises on failure."""
    server = options.get_option("SMTPServer").strip()
    if not server:
        raise BadRequest("SMTP server is not configured")
    port = options.get_int("SMTPPort", 587) or 587
    account = options.get_option("SMTPAccount")
    sender = options.get_option("SMTPFrom") or account
    if not sender:
        raise BadRequest("SMTP sender (SMTPFrom) is not configured")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = f"{options.get_option('SystemName') or 'One API'} <{sender}>"
    msg["To"] = receiver
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1] or None)
    msg.set_content(html, subtype="html")
    try:
        if port == 465:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(server, port, timeout=SMTP_TIMEOUT, context=_tls_context())
        else:
            conn = smtplib.SMTP(server, port, timeout=SMTP_TIMEOUT)
        with conn:
            conn.ehlo()
            if port != 465 and conn.has_extn("starttls"):
                conn.starttls(context=_tls_context())
                conn.ehlo()
            if account:
                conn.login(account, options.get_option("SMTPToken"))
            conn.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("sending mail via %s:%s failed: %s", server, port, exc)
        raise UpstreamError(f"failed to send email: {exc.__class__.__name__}") from None
