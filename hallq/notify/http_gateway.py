"""An HTTP SMS gateway: one JSON POST per message to the URL the hall configures (notify.http).

Provider-neutral on purpose: halls reach Aliyun, Tencent Cloud or a province's own 短信平台 through a
gateway of their network's choosing, most of which take a JSON POST. The body:

    {"id": "hallq-42", "to": "13912345678", "text": "...", "kind": "called", "lang": "zh",
     "sign": "某某县政务服务中心", "params": {"number": "A003", "window": 3, ...}}

with the hall's credential in its header (auth_header: auth, or the environment variable auth_env) and
`Idempotency-Key: hallq-42`. Any 2xx is taken; 408, 429 and 5xx, a timeout or a refused connection are
tried again later; any other status is final. Nothing of the request or answer is logged: the number is
in the body, and a gateway's error text may echo it back.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from hallq.notify.channel import Message, SendFailed

RETRY_STATUSES = (408, 429)


class HttpGateway:
    name = "http"

    def __init__(self, url: str, *, auth_header: str = "Authorization", auth: str = "", auth_env: str = "",
                 sign: str = "", timeout_s: float = 10):
        self.url = url
        self.auth_header = auth_header
        self.auth = os.environ.get(auth_env, "") if auth_env else auth
        self.sign = sign
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings) -> "HttpGateway":
        """From a hall's notify.http (hallq.queue.settings.SmsGatewaySettings)."""
        return cls(settings.url, auth_header=settings.auth_header, auth=settings.auth, auth_env=settings.auth_env,
                   sign=settings.sign, timeout_s=settings.timeout_s)

    def send(self, message: Message) -> None:
        key = f"hallq-{message.id}"
        body = json.dumps({"id": key, "to": message.address, "text": message.text, "kind": message.kind,
                           "lang": message.lang, "sign": self.sign, "params": message.params},
                          ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
        if self.auth:
            headers[self.auth_header] = self.auth
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                answer.read(4096)
        except urllib.error.HTTPError as refused:
            refused.close()
            retry = refused.code in RETRY_STATUSES or refused.code >= 500
            raise SendFailed(f"gateway answered HTTP {refused.code}", retry=retry) from None
        except (urllib.error.URLError, TimeoutError, OSError) as lost:
            reason = getattr(lost, "reason", lost)
            raise SendFailed(f"gateway not reached: {type(reason).__name__}", retry=True) from None
