/* The audit trail (/audit/): a day's staff actions and admin changes, filtered, and as CSV. */
"use strict";
(() => {
  const {$, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.audit.token", showSignin);
  window.hallqTrail = {ready: false, rows: 0};

  function showSignin() {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("logout").hidden = true;
  }

  /** An action's name in the page's language: "window.create" is "窗口 新增"; an unknown code as it is. */
  const actionName = (code) => code.split(".").map((part) => window.HALLQ_TEXT["act_" + part] ?? part).join(" ");

  function query() {
    const q = new URLSearchParams();
    for (const el of $("trail-form").elements) if (el.name && el.value.trim()) q.set(el.name, el.value.trim());
    return q.toString();
  }

  async function load() {
    window.hallqTrail.ready = false;
    const r = await session.api("GET", "/audit-trail?" + query());
    if (r.status === 403) {
      showSignin();
      return say($("login-msg"), t("forbidden_page"), "error");
    }
    if (!r.ok) return say($("msg"), r.data?.message, "error");
    $("signin").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    say($("msg"), r.data.length ? "" : t("none_found"));
    $("trail").innerHTML = `<tr>${["when", "person", "window", "action", "subject", "detail"].map((k) => `<th>${esc(t(k))}</th>`).join("")}</tr>` +
      r.data.map((x) => `<tr><td>${esc(x.at.slice(11, 19))}</td><td>${esc(x.person)}</td><td>${esc(x.window ?? "")}</td>` +
        `<td>${esc(actionName(x.action))}</td><td>${esc(x.subject)}</td><td>${esc(x.detail)}</td></tr>`).join("");
    window.hallqTrail = {ready: true, rows: r.data.length};
  }

  $("trail-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  $("export").addEventListener("click", async () => {
    // The CSV needs the bearer token, which a plain link cannot send: fetched, then saved from memory.
    const r = await fetch("/api/v1/audit-trail.csv?" + query(), {headers: {Authorization: "Bearer " + session.token()}});
    if (!r.ok) return say($("msg"), (await r.json()).message, "error");
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await r.blob());
    a.download = "audit-trail.csv";
    a.click();
  });
  $("logout").addEventListener("click", async () => { await session.logOut(); showSignin(); });
  session.onSignIn(load);
  if (session.token()) load(); else showSignin();
})();
