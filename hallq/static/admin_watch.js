/* The admins' watch page (/admin/devices): devices, agents, today's failed prints, the server's last errors. */
"use strict";
(() => {
  const {$, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.staff.token", showSignin);
  window.hallqWatch = {ready: false};
  const EVERY_MS = 30000;  // devices report every few seconds; a person reads this page, not a machine

  function showSignin() {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("logout").hidden = $("refresh").hidden = true;
  }

  let zone = undefined;  // the hall's time zone, from the API: every time is shown in it, not the browser's
  const when = (iso) => iso ? new Date(iso).toLocaleString("zh-CN", {hour12: false, timeZone: zone}) : "";
  const named = (prefix, code) => window.HALLQ_TEXT[prefix + code] ?? code;

  function table(id, heads, rows) {
    $(id).innerHTML = `<tr>${heads.map((k) => `<th>${esc(t(k))}</th>`).join("")}</tr>` +
      (rows.length ? rows.join("") : `<tr><td colspan="${heads.length}">${esc(t("none"))}</td></tr>`);
  }

  async function load() {
    window.hallqWatch.ready = false;
    const r = await session.api("GET", "/admin/watch");
    if (r.status === 403) {
      showSignin();
      return say($("login-msg"), t("forbidden_page"), "error");
    }
    if (!r.ok) return say($("msg"), r.data?.message, "error");
    $("signin").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = $("refresh").hidden = false;
    say($("msg"), "");
    const d = r.data;
    zone = d.timezone;
    table("devices", ["kind", "name", "agent", "state", "detail", "seen"], d.devices.map((x) =>
      `<tr class="state-${esc(x.state)}"><td>${esc(named("kind_", x.kind))}</td><td>${esc(x.name)}</td>` +
      `<td>${esc(x.agent)}</td><td>${esc(named("state_", x.state))}</td><td>${esc(x.detail ?? "")}</td>` +
      `<td>${esc(when(x.seen_at))}</td></tr>`));
    table("agents", ["agent", "state", "devices_count", "seen"], d.agents.map((x) =>
      `<tr class="${x.alive ? "" : "state-offline"}"><td>${esc(x.name)}</td><td>${esc(t(x.alive ? "alive" : "gone"))}</td>` +
      `<td>${x.devices}</td><td>${esc(when(x.last_seen))}</td></tr>`));
    table("prints", ["number", "printer", "reason", "when"], d.print_failures.map((x) =>
      `<tr><td>${esc(x.number)}</td><td>${esc(x.printer)}</td><td>${esc(x.reason ?? "")}</td>` +
      `<td>${esc(when(x.created_at))}</td></tr>`));
    table("errors", ["when", "process", "message"], d.errors.map((x) =>
      `<tr><td>${esc(when(x.at))}</td><td>${esc(x.process)}</td>` +
      `<td><details><summary>${esc(x.message)}</summary><pre>${esc(x.detail ?? x.logger)}</pre></details></td></tr>`));
    window.hallqWatch = {ready: true, devices: d.devices.length, errors: d.errors.length};
  }

  $("refresh").addEventListener("click", load);
  $("logout").addEventListener("click", async () => { await session.logOut(); showSignin(); });
  session.onSignIn(load);
  setInterval(() => { if (session.token() && !$("app").hidden) load(); }, EVERY_MS);
  if (session.token()) load(); else showSignin();
})();
