"""Images in a registry (``registry://HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]``), read over the Registry HTTP API v2.

Nothing is pulled to disk: the registry is a :class:`~mamoru.targets.stores.BlobStore` whose
``index.json`` is made from the manifest the reference names, so :func:`~mamoru.targets.oci.open_oci_layout`
chooses the platform, checks every descriptor and maps the layers exactly as for a layout on disk,
and each layer is streamed from the registry into the walk and verified against its digest there.

The host is always named (no default registry). Loopback hosts are spoken to over plain HTTP, as
Docker does; every other host over HTTPS. Credentials come from ``MAMORU_REGISTRY_USERNAME`` /
``MAMORU_REGISTRY_PASSWORD`` or from the ``auths`` of ``~/.docker/config.json`` (``$DOCKER_CONFIG``);
a registry that answers 401 with a Bearer challenge gets a token from the realm it names. Credentials
are never sent on a redirect (registries redirect blob downloads to storage hosts).

Why by hand: the docker SDK can only pull through a daemon, and the Python registry clients on PyPI
are unmaintained or pull whole images to disk; the API needed here is four GET requests.
"""

from __future__ import annotations

import base64
import hashlib
import io
import ipaddress
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from http.client import HTTPMessage
from typing import IO

from mamoru import __version__
from mamoru.errors import TargetError
from mamoru.targets.oci import INDEX_TYPES, MANIFEST_TYPES, open_oci_layout
from mamoru.targets.source import StoredImage
from mamoru.targets.stores import as_dict, as_list
from mamoru.walk.limits import Limits

SCHEME = "registry://"
TIMEOUT = 60
ACCEPT = ", ".join(sorted(INDEX_TYPES | MANIFEST_TYPES))
_REFERENCE = re.compile(
    r"^(?P<host>[A-Za-z0-9.-]+(?::\d{1,5})?|\[[0-9A-Fa-f:]+\](?::\d{1,5})?)/"
    r"(?P<repository>[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}))?$"
)
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True, slots=True)
class RegistryReference:
    """``HOST/REPOSITORY`` and a tag or a digest (``latest`` when neither is given)."""

    host: str
    repository: str
    tag: str
    digest: str

    @classmethod
    def parse(cls, target: str) -> RegistryReference:
        text = target.removeprefix(SCHEME)
        match = _REFERENCE.match(text)
        if match is None or not ("." in match["host"] or ":" in match["host"] or match["host"] == "localhost"):
            raise TargetError(
                f"{target}: not a registry reference; write registry://HOST[:PORT]/REPOSITORY[:TAG|@DIGEST] "
                "(the registry host is always named)"
            )
        return cls(match["host"], match["repository"], match["tag"] or "", match["digest"] or "")

    @property
    def reference(self) -> str:
        """What the manifest is fetched by: the digest when given, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def base_url(self) -> str:
        host = self.host.rsplit(":", 1)[0] if not self.host.startswith("[") else self.host[1:].split("]")[0]
        return f"{'http' if _is_loopback(host) else 'https'}://{self.host}"

    def __str__(self) -> str:
        suffix = f":{self.tag}" if self.tag else ""
        return f"{self.host}/{self.repository}{suffix}{'@' + self.digest if self.digest else ''}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RegistryClient:
    """GET requests to one repository of a registry, with Basic or Bearer authentication."""

    def __init__(self, reference: RegistryReference) -> None:
        self.reference = reference
        self._credentials = _credentials(reference.host)
        self._authorization: str | None = None
        self._opener = urllib.request.build_opener(_HttpRedirectsOnly)

    def get(self, path: str, accept: str | None = None) -> tuple[IO[bytes], dict[str, str]]:
        """The open response to ``GET /v2/<repository>/<path>`` (authenticating once if challenged)."""
        url = f"{self.reference.base_url}/v2/{self.reference.repository}/{path}"
        for attempt in range(2):
            # the URL is built from base_url: http:// (loopback) or https://, never another scheme
            request = urllib.request.Request(url, headers={"User-Agent": f"mamoru/{__version__}"})  # noqa: S310
            if accept:
                request.add_header("Accept", accept)
            if self._authorization:
                request.add_unredirected_header("Authorization", self._authorization)  # not to redirect targets
            try:
                response = self._opener.open(request, timeout=TIMEOUT)
            except urllib.error.HTTPError as exc:
                challenge = exc.headers.get("WWW-Authenticate", "")
                exc.close()
                if exc.code == 401 and attempt == 0 and challenge:
                    self._authorization = self._answer(challenge)
                    continue
                if exc.code == 401 and attempt == 1:
                    raise TargetError(
                        f"{SCHEME}{self.reference}: the registry refused the credentials (HTTP 401)"
                    ) from None
                raise TargetError(f"{SCHEME}{self.reference}: {path.split('/', maxsplit=1)[0]} request failed: "
                                  f"HTTP {exc.code} {exc.reason}") from None  # fmt: skip
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise TargetError(f"{SCHEME}{self.reference}: cannot reach {self.reference.host}: {reason}") from None
            return response, {key.lower(): value for key, value in response.headers.items()}
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _answer(self, challenge: str) -> str:
        scheme, _, params_text = challenge.partition(" ")
        if scheme.lower() == "basic":
            if self._credentials is None:
                raise TargetError(f"{SCHEME}{self.reference}: the registry wants a login "
                                  "(set MAMORU_REGISTRY_USERNAME/PASSWORD or `docker login`)")  # fmt: skip
            return "Basic " + base64.b64encode(":".join(self._credentials).encode()).decode()
        if scheme.lower() != "bearer":
            raise TargetError(f"{SCHEME}{self.reference}: unsupported authentication scheme {scheme!r}")
        params = dict(_CHALLENGE_PARAM.findall(params_text))
        realm = params.pop("realm", "")
        if not realm.startswith(("https://", "http://")):
            raise TargetError(f"{SCHEME}{self.reference}: the registry's token realm {realm[:80]!r} is not a URL")
        query = urllib.parse.urlencode({k: v for k, v in params.items() if k in ("service", "scope")})
        request = urllib.request.Request(f"{realm}?{query}" if query else realm)  # noqa: S310 - http(s) checked above
        realm_host = urllib.parse.urlparse(realm).hostname or ""
        if self._credentials is not None and (realm.startswith("https://") or _is_loopback(realm_host)):
            # a password goes to the token service only over TLS (or to this machine), never in clear
            token = base64.b64encode(":".join(self._credentials).encode()).decode()
            request.add_unredirected_header("Authorization", f"Basic {token}")
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                answer = as_dict(json.loads(response.read(1 << 20)))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise TargetError(f"{SCHEME}{self.reference}: token request to {realm[:80]} failed: {exc}") from None
        token_value = answer.get("token") or answer.get("access_token")
        if not isinstance(token_value, str) or not token_value:
            raise TargetError(f"{SCHEME}{self.reference}: the token service answered without a token")
        return f"Bearer {token_value}"


class _HttpRedirectsOnly(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only (urllib would also follow one to ``ftp:``)."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        if not newurl.lower().startswith(("http://", "https://")):
            raise urllib.error.HTTPError(newurl, code, "redirect to a non-HTTP URL refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _credentials(host: str) -> tuple[str, str] | None:
    """A username and password for ``host``: the environment, else ``~/.docker/config.json``'s ``auths``."""
    user, password = os.environ.get("MAMORU_REGISTRY_USERNAME"), os.environ.get("MAMORU_REGISTRY_PASSWORD")
    if user and password is not None:
        return user, password
    folder = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    try:
        with open(os.path.join(folder, "config.json"), "rb") as handle:
            auths = as_dict(as_dict(json.loads(handle.read(1 << 20))).get("auths"))
    except (OSError, ValueError):
        return None
    for key in (host, f"https://{host}", f"http://{host}"):
        encoded = as_dict(auths.get(key)).get("auth")
        if isinstance(encoded, str):
            try:
                name, sep, secret = base64.b64decode(encoded).decode().partition(":")
            except ValueError:
                return None
            return (name, secret) if sep else None
    return None


class RegistryStore:
    """A repository of a registry as a :class:`BlobStore`: ``index.json`` names the referenced manifest,
    ``blobs/<algorithm>/<hex>`` are fetched from the manifests or blobs endpoint."""

    def __init__(self, reference: RegistryReference, limits: Limits) -> None:
        self.name = f"{SCHEME}{reference}"
        self._client = RegistryClient(reference)
        self._limits = limits
        self._manifests: dict[str, bytes] = {}  # digest -> manifest bytes fetched so far
        self._manifest_digests: set[str] = set()  # digests that index manifests name (fetched from /manifests/)
        self.top_digest = ""  # the digest of the manifest or index the reference names
        self._index = self._top_index(reference)

    def _top_index(self, reference: RegistryReference) -> bytes:
        data, media_type = self._fetch_manifest(reference.reference)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if reference.digest and reference.digest.startswith("sha256:") and digest != reference.digest:
            raise TargetError(f"{self.name}: the registry's manifest has digest {digest}, not {reference.digest}")
        self._manifests[digest] = data
        self.top_digest = digest
        descriptor = {"mediaType": media_type, "digest": digest, "size": len(data)}
        if reference.tag:
            full_name = f"{reference.host}/{reference.repository}:{reference.tag}"
            descriptor["annotations"] = {"io.containerd.image.name": full_name}
        return json.dumps({"schemaVersion": 2, "manifests": [descriptor]}).encode()

    def _fetch_manifest(self, reference: str) -> tuple[bytes, str]:
        response, headers = self._client.get(f"manifests/{reference}", accept=ACCEPT)
        with response:
            data = response.read(self._limits.max_metadata_bytes + 1)
        if len(data) > self._limits.max_metadata_bytes:
            limit = self._limits.max_metadata_bytes
            raise TargetError(f"{self.name}: manifest {reference} is larger than {limit} bytes")
        try:
            document = as_dict(json.loads(data))
        except ValueError as exc:
            raise TargetError(f"{self.name}: manifest {reference} is not valid JSON: {exc}") from None
        media_type = str(document.get("mediaType") or headers.get("content-type", "").split(";")[0].strip())
        if media_type not in INDEX_TYPES | MANIFEST_TYPES:
            raise TargetError(f"{self.name}: {reference} is not an image manifest or index ({media_type or 'no type'})")
        for child in as_list(document.get("manifests")):
            self._manifest_digests.add(str(as_dict(child).get("digest") or ""))
        return data, media_type

    def exists(self, path: str) -> bool:
        return path == "index.json" or path.startswith("blobs/")

    def size(self, path: str) -> int:
        handle, size = self.open(path)
        handle.close()
        return size

    def open(self, path: str) -> tuple[IO[bytes], int]:
        if path == "index.json":
            return io.BytesIO(self._index), len(self._index)
        parts = path.split("/")
        if len(parts) != 3 or parts[0] != "blobs":
            raise TargetError(f"{self.name}: {path} is not a blob")
        digest = f"{parts[1]}:{parts[2]}"
        if digest in self._manifest_digests and digest not in self._manifests:
            self._manifests[digest] = self._fetch_manifest(digest)[0]
        if digest in self._manifests:
            data = self._manifests[digest]
            return io.BytesIO(data), len(data)
        response, headers = self._client.get(f"blobs/{digest}")
        length = headers.get("content-length", "")
        return response, int(length) if length.isdigit() else -1

    def close(self) -> None:
        pass


def open_registry_image(target: str, limits: Limits, platform: str | None = None) -> StoredImage:
    """Open ``registry://HOST/REPOSITORY[:TAG|@DIGEST]`` (one platform of an index, chosen by ``platform``)."""
    reference = RegistryReference.parse(target)
    store = RegistryStore(reference, limits)
    source = open_oci_layout(store, target, None, platform, limits, "registry")
    image = source.artifact.image
    if image is not None:  # the digest `docker pull` takes: the index's for a multi-platform image
        repo_digest = f"{reference.host}/{reference.repository}@{store.top_digest}"
        source.artifact = replace(source.artifact, image=replace(image, repo_digests=(repo_digest,)))
    return source
