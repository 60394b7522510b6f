/* The duty log (值班日志, /duty/log): read with GET /api/v1/duty-log, written with POST /duty-log/entries and
 * /duty-log/handover by the duty manager (a supervisor); admins read it. Entries are never edited: a
 * correction is appended beside the entry it corrects, also after handover. Printing uses duty_log.css's
 * print rules (the forms are left off the paper).
 */
"use strict";
(() => {
  const {T, LANG, $, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.duty.token", () => location.reload());
  const {api, token} = session;
  let TZ = "Asia/Shanghai";
  let log = null;
  const clock = (iso) => iso ? new Date(iso).toLocaleTimeString(LANG, {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: TZ}) : "";
  window.hallqDutyLog = {loaded: 0};  // how many times the log was read (tests wait on it)

  function showSignin() {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("username").focus();
  }

  async function start() {
    const me = await api("GET", "/me");
    if (!me.ok) { session.forget(); return showSignin(); }
    TZ = me.data.hall.timezone || TZ;
    $("signin").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    const name = me.data.staff ? `${me.data.staff.name} ${me.data.staff.number}` : me.data.username;
    $("who").textContent = name;
    $("hall-name").textContent = me.data.hall.name;
    await load(new URLSearchParams(location.search).get("day") || "");
  }

  async function load(day) {
    const r = await api("GET", "/duty-log" + (day ? `?day=${encodeURIComponent(day)}` : ""));
    if (!r.ok) return say($("log-msg"), r.data?.message, "error");
    log = r.data;
    TZ = log.timezone || TZ;
    render();
    window.hallqDutyLog.loaded += 1;
  }

  function kindText(e) {
    const d = e.data || {};
    if (e.kind === "opening") {
      if (d.minutes_before == null) return e.text;
      const line = d.minutes_before < 0 ? t("opening_after", {n: -d.minutes_before})
        : t(d.on_time ? "opening_on_time" : "opening_late", {n: d.minutes_before, need: log.early_minutes});
      return [line, e.text].filter(Boolean).join("；");
    }
    if (e.kind === "safety" || e.kind === "hygiene") {
      // In the check's own order (the answer's JSON objects come with their keys sorted).
      const checks = (log.check_items[e.kind] || []).filter((k) => d.checks?.[k])
        .map((k) => `${t("check_" + k)}${t("colon")}${t("check_" + d.checks[k])}`).join("，");
      return [checks, e.text].filter(Boolean).join("。");
    }
    if (e.kind === "incident") {
      const a = log.alerts.find((x) => x.id === e.alert);
      return `${e.text}\n${t("handling_line", {text: e.handling})}${a ? "\n" + t("log_from_alert", {alert: `${clock(a.raised_at)} ${alertLine(a)}`}) : ""}`;
    }
    if (e.kind === "opinion_forms") return [t("forms_line", {out: d.handed_out, in: d.collected}), e.text].filter(Boolean).join("；");
    if (e.kind === "correction") return t("log_corrects", {id: e.corrects}) + e.text;
    return e.text;
  }

  function render() {
    const today = !log.handover && log.may_write;
    $("log-day").value = log.day;
    $("log-heading").textContent = t("log_heading", {hall: log.hall, day: log.day});
    if (log.opening_at) {
      const due = new Date(Date.parse(log.opening_at) - log.early_minutes * 60000).toISOString();
      $("log-facts").textContent = t("log_facts", {opening: clock(log.opening_at), due: clock(due), n: log.early_minutes})
        + (log.started_by ? " " + t("log_started", {by: log.started_by, time: clock(log.started_at)}) : "");
    } else {
      $("log-facts").textContent = t("log_closed_day");
    }
    const rec = log.received_from;
    $("log-received").textContent = rec ? t("log_received", {day: rec.day, by: rec.by, note: rec.note || "—"}) : "";
    const kept = $("log-kept");
    kept.hidden = !log.handover && log.may_write;
    kept.textContent = log.handover ? t("log_kept", {time: clock(log.handover.at), by: log.handover.by, to: log.handover.to})
      : (log.may_write ? "" : t("log_read_only"));
    // The forms write today's log only: shown for today's, before handover, to the duty manager.
    const isToday = !new URLSearchParams(location.search).get("day") || log.day === todayIso();
    $("log-forms").hidden = !(today && isToday);
    for (const form of document.querySelectorAll("form.check")) {
      const box = form.querySelector(".items");
      if (box.childElementCount) continue;
      box.innerHTML = log.check_items[form.dataset.kind].map((item) => `<fieldset><legend>${esc(t("check_" + item))}</legend>
        <label class="inline"><input type="radio" name="${item}" value="ok" checked> ${esc(t("check_ok"))}</label>
        <label class="inline"><input type="radio" name="${item}" value="problem"> ${esc(t("check_problem"))}</label></fieldset>`).join("");
    }
    $("opening-hint").textContent = t("log_opening_hint");
    $("incident-alert").innerHTML = `<option value="">${esc(t("log_no_alert"))}</option>` +
      log.alerts.map((a) => `<option value="${a.id}">${esc(clock(a.raised_at))} ${esc(alertLine(a))}</option>`).join("");
    const corrected = new Set(log.entries.filter((e) => e.corrects).map((e) => e.corrects));
    $("entries").innerHTML = !log.entries.length ? `<tr><td colspan="5" class="muted">${esc(t("log_none"))}</td></tr>` :
      log.entries.map((e) => `<tr data-entry="${e.id}" class="k-${esc(e.kind)}">
        <td>${esc(clock(e.at))}</td><td>${esc(t("kind_" + e.kind))}</td>
        <td class="content">${esc(kindText(e))}${corrected.has(e.id) ? ` <em>${esc(t("log_corrected"))}</em>` : ""}</td><td>${esc(e.by)}</td>
        <td class="no-print">${log.may_write && e.kind !== "correction" ? `<button type="button" class="small" data-correct="${e.id}">${esc(t("log_correct"))}</button>` : ""}</td></tr>`).join("");
    $("day-alerts").innerHTML = !log.alerts.length ? `<tr><td colspan="3" class="muted">${esc(t("log_alerts_none"))}</td></tr>` :
      log.alerts.map((a) => `<tr><td>${esc(clock(a.raised_at))}</td><td>${esc(alertLine(a))}</td>
        <td>${a.acked_at ? esc(`${a.acked_by} ${clock(a.acked_at)}`) : esc(t("log_not_acked"))}</td></tr>`).join("");
    const h = log.handover;
    $("handover").textContent = h ? t("log_handover_done", {time: clock(h.at), by: h.by, to: h.to, note: h.note || ""}) : t("log_handover_none");
  }

  const todayIso = () => new Date().toLocaleDateString("sv-SE", {timeZone: TZ});

  function alertLine(a) {
    const d = a.data || {};
    const win = (n) => t("window_n", {n});
    const parts = {help: t("kiosk_n", {name: d.kiosk}), device: `${t("kind_" + d.kind)} ${d.name} ${t("state_" + d.state)}`,
      print: `${d.number} ${d.printer}`, bad_review: `${win(d.window)} ${d.number}`,
      unstaffed: `${win(d.window)} ${t("waiting_n", {n: d.waiting})}`, followup_overdue: `${win(d.window)} ${d.number}`};
    return `${t("alertkind_" + a.kind)} ${parts[a.kind] ?? a.subject}`;
  }

  async function write(body, form) {
    const r = await api("POST", "/duty-log/entries", body);
    say($("log-msg"), r.ok ? t("log_saved") : r.data?.message, r.ok ? "ok" : "error");
    if (r.ok) { if (form) form.reset(); await load(""); }
    return r.ok;
  }

  function init() {
    session.onSignIn(start);
    $("logout").addEventListener("click", async () => { await session.logOut(); session.forget(); location.reload(); });
    $("print").addEventListener("click", () => window.print());
    $("log-day").addEventListener("change", () => {
      const url = new URL(location.href);
      url.searchParams.set("day", $("log-day").value);
      history.replaceState(null, "", url);
      load($("log-day").value);
    });
    $("opening-save").addEventListener("click", () => write({kind: "opening", text: $("opening-text").value}));
    for (const form of document.querySelectorAll("form.check")) {
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const checks = Object.fromEntries(log.check_items[form.dataset.kind].map((item) => [item, form.querySelector(`input[name="${item}"]:checked`).value]));
        write({kind: form.dataset.kind, checks, text: form.querySelector("input[name=text]").value}, form);
      });
    }
    $("incident-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const alert = Number($("incident-alert").value) || undefined;
      write({kind: "incident", text: $("incident-text").value, handling: $("incident-handling").value, alert}, e.target);
    });
    $("forms-form").addEventListener("submit", (e) => {
      e.preventDefault();
      write({kind: "opinion_forms", handed_out: Number($("forms-out").value), collected: Number($("forms-in").value)});
    });
    $("note-form").addEventListener("submit", (e) => { e.preventDefault(); write({kind: "note", text: $("note-text").value}, e.target); });
    $("handover-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const r = await api("POST", "/duty-log/handover", {to: $("handover-to").value.trim(), note: $("handover-note").value});
      say($("log-msg"), r.ok ? t("log_saved") : r.data?.message, r.ok ? "ok" : "error");
      if (r.ok) await load("");
    });
    document.addEventListener("click", (e) => {
      const b = e.target.closest("[data-correct]");
      if (!b) return;
      const text = window.prompt(t("log_correct_prompt"));
      if (text && text.trim()) write({kind: "correction", corrects: Number(b.dataset.correct), text});
    });
    if (token()) start(); else showSignin();
  }

  init();
})();
