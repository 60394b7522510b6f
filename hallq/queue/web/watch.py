"""The admins' watch page (/admin/devices): the hall's devices, the agents hosting them, today's failed
prints and the server's last errors, on one screen. Thin: the rows come from hallq.queue.device_states,
hallq.queue.printing and hallq.queue.server_errors; the page is a shell over the API with the admin's own
token (hallq.web.staff_pages), Simplified Chinese by default, English with ?lang=en.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from hallq.queue import device_states, printing, server_errors
from hallq.queue.halls import hall_context
from hallq.web import staff_pages
from hallq.web.openapi import spec
from hallq.web.runtime import now, principal, reading

bp = Blueprint("watch", __name__)


spec.operation("GET", "/admin/watch", "the hall's devices and agents, today's failed prints and the server's "
               "last errors (admins)")


@bp.get("/api/v1/admin/watch")  # documented above under the document's root, /api/v1
def watch_json():
    who = principal()
    who.require("configure")
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        moment = now()
        devices = device_states.devices(uow.session, who.hall_id, moment)
        heard = set(device_states.agents_heard(uow.session, moment))
        agents: dict[str, dict] = {}
        for d in devices:
            agent = agents.setdefault(d["agent"], {"name": d["agent"], "alive": d["agent"] in heard,
                                                   "devices": 0, "last_seen": d["seen_at"]})
            agent["devices"] += 1
            agent["last_seen"] = max(agent["last_seen"], d["seen_at"])
        return jsonify({
            "timezone": ctx.hall.timezone,
            "devices": devices,
            "agents": sorted(agents.values(), key=lambda a: a["name"]),
            "print_failures": printing.failed_tickets(uow, who.hall_id, ctx.hours.local_day(moment)),
            "errors": server_errors.recent(uow.session, who.hall_id, ctx.hours.tz),
        })


TEXT: dict[str, tuple[str, str]] = {
    "title": ("设备与运行状况", "Devices and health"),
    "signin_title": ("管理员登录", "Administrator sign-in"),
    "forbidden_page": ("该账号不是管理员，不能查看设备与运行状况。", "This account is not an administrator's."),
    "refresh": ("刷新", "Refresh"), "devices": ("设备", "Devices"), "agents": ("设备代理", "Device agents"),
    "print_failures": ("今日打印失败", "Failed prints today"), "errors": ("服务器最近的错误", "The server's last errors"),
    "kind": ("类型", "Kind"), "name": ("名称", "Name"), "agent": ("所属代理", "Agent"), "state": ("状态", "State"),
    "detail": ("说明", "Detail"), "seen": ("最后上报", "Last heard"), "devices_count": ("设备数", "Devices"),
    "alive": ("在线", "online"), "gone": ("失联", "not heard from"), "number": ("号码", "Number"),
    "reason": ("原因", "Reason"), "printer": ("打印机", "Printer"), "when": ("时间", "When"),
    "process": ("进程", "Process"), "message": ("错误", "Error"), "none": ("无", "None"),
    # hallq.protocol.DeviceState and DeviceKind
    **{f"state_{s}": pair for s, pair in {
        "ok": ("正常", "working"), "near_end": ("纸将用完", "paper low"), "paper_out": ("缺纸", "out of paper"),
        "offline": ("离线", "offline"), "not_answering": ("无响应", "not answering"),
        "port_down": ("端口断开", "port down"), "failed": ("故障", "failed"),
        "unknown": ("无上报", "not heard from")}.items()},
    **{f"kind_{k}": pair for k, pair in {
        "printer": ("打印机", "printer"), "led": ("LED屏", "LED screen"), "voice": ("语音播报", "voice"),
        "keypad": ("呼叫器", "caller keypad"), "evaluator_keypad": ("评价器按键", "rating keypad")}.items()},
}


@bp.get("/admin/devices")
def watch_page():
    return staff_pages.render_page("admin_watch.html", lambda lang: staff_pages.texts(TEXT, lang), page="watch")
