"""The S3 storage, with download links presigned for the address clients reach the bucket at.

Inside a cluster the platform talks to the S3 server at an internal address (S3_ENDPOINT_URL, e.g.
http://seaweedfs:8333) that a studio outside cannot open. When S3_PUBLIC_ENDPOINT_URL is set, links
handed to clients (`url()`) are presigned with a second client for that address instead; every
read and write still goes to the internal one. A SigV4 signature covers the Host header, so a link
signed for the internal host cannot simply be rewritten: it has to be signed for the public one.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage as BaseS3Storage
from storages.utils import clean_name


class S3Storage(BaseS3Storage):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        public = self.public_endpoint_url
        if public is not None and (urlsplit(public).scheme not in {"http", "https"} or not urlsplit(public).netloc):
            raise ImproperlyConfigured(f"S3_PUBLIC_ENDPOINT_URL={public!r} is not an http(s) URL")
        self._public_clients = threading.local()

    def get_default_settings(self) -> dict[str, Any]:
        return {**super().get_default_settings(), "public_endpoint_url": None}

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_public_clients", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._public_clients = threading.local()

    def _public_client(self) -> Any:
        client = getattr(self._public_clients, "client", None)
        if client is None:
            client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                use_ssl=self.use_ssl,
                endpoint_url=self.public_endpoint_url,
                config=self.client_config,
                verify=self.verify,
            )
            self._public_clients.client = client
        return client

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        if not self.public_endpoint_url or self.custom_domain or not self.querystring_auth:
            return str(super().url(name, parameters=parameters, expire=expire, http_method=http_method))
        params = {**(parameters or {}), "Bucket": self.bucket_name, "Key": self._normalize_name(clean_name(name))}
        return str(
            self._public_client().generate_presigned_url(
                "get_object",
                Params=params,
                ExpiresIn=self.querystring_expire if expire is None else expire,
                HttpMethod=http_method,
            )
        )
