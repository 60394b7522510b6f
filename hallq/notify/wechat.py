"""WeChat subscription messages (微信小程序订阅消息): the same Channel, ready and NOT wired.

What a hall needs before this can be used, none of which hallq has yet:
- a mini program (小程序) of the hall, whose page asks the citizen for consent with
  `wx.requestSubscribeMessage` (one consent = one message) and sends hallq the citizen's openid;
- the templates chosen in the mini program's console, one per kind, with their field names;
- an access token from the hall's own token service (appid + secret, refreshed every 2 hours,
  one holder per appid): hallq never holds the app secret.

Then a contact of channel "wechat" holds the openid as its address (hallq.queue.notify.TicketContact),
and this adapter sends each message as

    POST {api}/cgi-bin/message/subscribe/send?access_token=TOKEN
    {"touser": openid, "template_id": ..., "page": "pages/ticket?t=...", "lang": "zh_CN",
     "miniprogram_state": "formal", "data": {field: {"value": ...}}}

WeChat answers HTTP 200 with {"errcode": 0} when it took the message; errcode 43101 (no consent
left) is final, -1 (system busy) is worth a retry. `fields` maps a kind to its template's fields
from the message's params: {"called": {"character_string1": "number", "thing2": "text"}}.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable

from hallq.notify.channel import Message, SendFailed

API = "https://api.weixin.qq.com"
RETRY_CODES = (-1, 45009)  # system busy; the day's API quota reached


class WeChatSubscribe:
    name = "wechat"

    def __init__(self, access_token: Callable[[], str], templates: dict[str, str],
                 fields: dict[str, dict[str, str]], *, page: str = "", api: str = API, timeout_s: float = 10,
                 state: str = "formal"):
        self.access_token = access_token
        self.templates = templates
        self.fields = fields
        self.page = page
        self.api = api.rstrip("/")
        self.timeout_s = timeout_s
        self.state = state

    def send(self, message: Message) -> None:
        template = self.templates.get(message.kind)
        if template is None:
            raise SendFailed(f"no WeChat template for {message.kind}", retry=False)
        values = {"text": message.text, **message.params}
        data = {field: {"value": str(values.get(source, ""))[:20]}  # WeChat's thing.DATA: 20 characters
                for field, source in self.fields.get(message.kind, {}).items()}
        body = json.dumps({"touser": message.address, "template_id": template, "page": self.page,
                           "lang": "en_US" if message.lang == "en" else "zh_CN",
                           "miniprogram_state": self.state, "data": data}, ensure_ascii=False).encode()
        url = f"{self.api}/cgi-bin/message/subscribe/send?" + urllib.parse.urlencode(
            {"access_token": self.access_token()})
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                reply = json.loads(answer.read(65536) or b"{}")
        except urllib.error.HTTPError as refused:
            refused.close()
            raise SendFailed(f"WeChat answered HTTP {refused.code}", retry=refused.code >= 500) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as lost:
            raise SendFailed(f"WeChat not reached: {type(lost).__name__}", retry=True) from None
        code = reply.get("errcode", 0) if isinstance(reply, dict) else -1
        if code != 0:
            raise SendFailed(f"WeChat errcode {code}", retry=code in RETRY_CODES)
