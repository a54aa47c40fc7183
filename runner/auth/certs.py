"""A throw-away TLS certificate for an ``https://`` loopback redirect_uri.

cafe24 asks for HTTPS redirect URLs, even on 127.0.0.1, so the one-shot listener must speak TLS.
No certificate authority vouches for it: the browser warns once ("your connection is not
private"), and the person accepts the warning to let the redirect through. The key never leaves
memory and a temporary folder that is deleted at once (``ssl`` loads keys from files only).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from datetime import timedelta
from pathlib import Path

from .tokens import utc_now


def self_signed_certificate(host: str) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for ``host``, localhost, 127.0.0.1 and ::1; one day."""
    # Imported here: only an https:// loopback login needs it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            names.append(x509.DNSName(host))
    else:
        if str(address) not in ("127.0.0.1", "::1"):
            names.append(x509.IPAddress(address))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "httprun login on " + host)])
    now = utc_now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def loopback_server_context(host: str) -> ssl.SSLContext:
    """A server-side TLS context with a fresh self-signed certificate for ``host``."""
    certificate, key = self_signed_certificate(host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="httprun-tls-") as folder:
        cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_path.write_bytes(certificate)
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key)
        context.load_cert_chain(cert_path, key_path)
    return context
