/* The duty manager's screen (值班长, /duty/) and the guide desk (导办台, /duty/desk).
 *
 * Everything goes through /api/v1 with the staff member's own token, kept in
 * this tab's sessionStorage (shared by both pages; staff.js holds what the
 * staff pages share). Lists are re-read whole on every (re)connect and
 * whenever Socket.IO says something changed, so after a network drop they
 * show the true state. Alerts are the server's (hallq.queue.alerts): stored
 * there, they come as `alerts.snapshot` each time this screen joins the
 * supervisors' room (the server lets only supervisors and admins in), then as
 * alert.raised / alert.acknowledged / alert.ended, so a screen opened later,
 * or after a reboot, shows what was raised while it was away. Acknowledging
 * is the server's too: once, by the signed-in person's name, for every screen.
 */
"use strict";
(() => {
  const {T, LANG, $, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.duty.token", signOut);
  const {api, token} = session;
  const PAGE = document.body.dataset.page;
  const DESK_PRINTER_KEY = "hallq.duty.desk_printer";
  const SOUND_KEY = "hallq.duty.sound";
  let TZ = "Asia/Shanghai";  // until GET /me tells the hall's own zone
  const WORKING = ["ok", "near_end"];
  const clock = (iso) => iso ? new Date(iso).toLocaleTimeString(LANG, {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: TZ}) : "";

  // What the page knows; re-read whole from the API.
  const st = {me: null, readOnly: true, devices: [], failures: [], followups: [], windows: [], services: []};
  const pending = {};  // print jobs this page asked for: job id -> {number, printer, kind}
  // How many sound cues played, whether the browser has answered about sound yet, and the server's
  // answer to joining the supervisors' room on the latest connect: null until it came (tests read these).
  window.hallqDuty = {beeps: 0, soundChecked: false, supervisors: null};

  // --- signing in ---------------------------------------------------------------------

  function showSignin() {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("logout").hidden = true;
    $("conn").hidden = true;
    $("read-only").hidden = true;
    $("calendar-notice").hidden = true;
    $("username").focus();
  }

  function signOut() {
    session.forget();
    if (window.hallqSocket) window.hallqSocket.disconnect();
    location.reload();
  }

  async function start() {
    const me = await api("GET", "/me");
    if (!me.ok) {
      if (me.status !== 401) say($("login-msg"), me.data?.message, "error");
      session.forget();
      return showSignin();
    }
    st.me = me.data;
    TZ = st.me.hall.timezone || TZ;
    st.readOnly = PAGE === "duty" && !["admin", "supervisor"].includes(st.me.role);
    $("signin").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    $("conn").hidden = false;
    $("read-only").hidden = !st.readOnly;
    // The official calendar of the coming months not entered: supervisors and admins are the ones to see to it.
    const years = st.me.hall.calendar_not_entered || [];
    const calendar = $("calendar-notice");
    calendar.hidden = !(PAGE === "duty" && years.length && ["admin", "supervisor"].includes(st.me.role));
    calendar.textContent = calendar.hidden ? "" : t("calendar_not_entered", {years: years.join(t("list_sep")), first: years[0]});
    $("hall-name").textContent = st.me.hall.name;
    const name = st.me.staff ? `${st.me.staff.name} ${st.me.staff.number}` : st.me.username;
    $("who").textContent = t("signed_in_as", {name, role: t("role_" + st.me.role)});
    if (PAGE === "duty") {
      renderAlerts();
      $("followups-link").hidden = !["admin", "supervisor"].includes(st.me.role);
      initSound();
    } else {
      initDesk();
    }
    connect();
    await refresh();
  }

  // --- reading the lists ------------------------------------------------------------------

  let loading = null, again = false;
  function refresh() {
    if (loading) { again = true; return loading; }
    loading = loadAll().finally(() => {
      loading = null;
      if (again) { again = false; refresh(); }
    });
    return loading;
  }

  async function loadAll() {
    const calls = {devices: "/devices", failures: "/print-failures", services: "/services"};
    if (PAGE === "duty") Object.assign(calls, {followups: "/followups?status=open", windows: "/windows"});
    const names = Object.keys(calls);
    const answers = await Promise.all(names.map((n) => api("GET", calls[n])));
    answers.forEach((r, i) => { if (r.ok) st[names[i]] = r.data; });
    renderAll();
  }

  const timers = {};
  function later(name, fn, delay = 200) {
    clearTimeout(timers[name]);
    timers[name] = setTimeout(fn, delay);
  }
  async function reload(name, path) {
    const r = await api("GET", path);
    if (r.ok) { st[name] = r.data; renderAll(); }
  }

  function renderAll() {
    renderDevices();
    renderFailures();
    if (PAGE === "duty") { renderFollowups(); renderWindows(); }
    else renderServices();
  }

  // --- devices ---------------------------------------------------------------------------

  const deviceKey = (d) => `${d.kind}:${d.name}`;
  const deviceLabel = (d) => `${t("kind_" + d.kind)} ${d.name}`;
  const stateName = (s) => t("state_" + s);
  // An agent that has just connected reports "unknown" until its first status: a start, not trouble.
  const starting = (d) => d.state === "unknown" && d.detail === "agent connected";
  const troubled = (d) => !WORKING.includes(d.state) && !starting(d);

  /** A device's detail in words; `d` is the device (or an alert's copy of it). */
  function detailText(d) {
    const detail = d.detail;
    if (!detail) return "";
    if (detail === "agent connected") return t("detail_agent_connected");
    if (detail === "agent disconnected") return t("detail_agent_disconnected");
    if (detail === "never reported") return t("detail_never");
    const silent = /^no report since (.+)$/.exec(detail);
    if (silent) return t("detail_silent", {time: clock(silent[1])});
    // A printer's status code in words, as the agent's PrinterStatus.message would say it: the code's own
    // sentence (cover_open, unreachable ...) or, for codes that only restate it (paper_end), its state's.
    if (d.kind === "printer") return T["pdetail_" + detail] ?? T["pdetail_" + d.state] ?? detail;
    return detail;
  }

  const KIND_ORDER = ["printer", "voice", "led", "keypad", "evaluator_keypad"];
  const natural = new Intl.Collator(undefined, {numeric: true});
  // A hall has dozens of devices: those needing a look first, the healthy ones folded away when many.
  const FOLD_OVER = 8;

  function renderDevices() {
    const box = $("devices");
    const open = box.querySelector("details")?.open;
    const rows = (PAGE === "desk" ? st.devices.filter((d) => d.kind === "printer") : [...st.devices])
      .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || natural.compare(a.name, b.name));
    if (!rows.length) { box.innerHTML = `<p class="muted">${esc(t("devices_none"))}</p>`; return; }
    const attention = rows.filter((d) => d.state !== "ok");
    const fine = rows.filter((d) => d.state === "ok");
    const fold = fine.length > FOLD_OVER;
    const row = (d) => `<tr data-device="${esc(deviceKey(d))}" class="${troubled(d) ? "trouble" : ""}">
        <td>${esc(deviceLabel(d))}${d.info?.windows?.length ? ` <small>${esc(t("windows_of", {windows: d.info.windows.join(t("list_sep"))}))}</small>` : ""}</td>
        <td><span class="state s-${esc(d.state)}">${esc(stateName(d.state))}</span>${d.detail ? `<small class="detail">${esc(detailText(d))}</small>` : ""}</td>
        <td>${esc(clock(d.changed_at))}</td><td>${esc(clock(d.seen_at))}</td></tr>`;
    const table = (list, head = true) => `<table class="list devices">${head ? `<thead><tr><th>${esc(t("device"))}</th><th>${esc(t("state"))}</th><th>${esc(t("since"))}</th><th>${esc(t("last_report"))}</th></tr></thead>` : ""}
      <tbody>${list.map(row).join("")}</tbody></table>`;
    box.innerHTML = `<p class="summary">${esc(t("devices_summary", {n: rows.length, ok: fine.length}))}</p>` +
      (fold ? `${attention.length ? table(attention) : ""}
        <details${open ? " open" : ""}><summary>${esc(t(attention.length ? "devices_rest" : "devices_show", {n: fine.length}))}</summary>${table(fine, !attention.length)}</details>`
        : table(attention.concat(fine)));
  }

  function onDeviceStatus(d) {
    const i = st.devices.findIndex((x) => deviceKey(x) === deviceKey(d));
    if (i >= 0) st.devices[i] = d; else st.devices.push(d);
    renderAll();  // printer choices follow the states (the alert, if any, is the server's)
  }

  // --- print failures and reprints -----------------------------------------------------------

  /** Why a print failed, in words: the agent answers with the printer's state or a link fault's code. */
  function printReason(reason) {
    if (!reason) return "";
    if (T["pdetail_" + reason]) return t("pdetail_" + reason);
    return reason === "no answer from the printer" ? t("why_no_answer") : reason;
  }

  const printers = () => st.devices.filter((d) => d.kind === "printer");
  const deskPrinter = () => localStorage.getItem(DESK_PRINTER_KEY) || "";
  const serviceName = (code) => st.services.find((s) => s.code === code)?.name || code;

  function printerOptions(selected, own) {
    // The ticket's own printer first: it is the default, and the one the citizen stands at.
    const names = printers().map((p) => p.name).filter((name) => name !== own);
    if (own) names.unshift(own);
    return names.map((name) => {
      const p = printers().find((x) => x.name === name);
      const tags = [name === own ? t("own_printer") : "", name === deskPrinter() ? t("desk_printer") : ""].filter(Boolean);
      return `<option value="${esc(name)}"${name === selected ? " selected" : ""}>${esc(name)}${tags.length ? `（${esc(tags.join("，"))}）` : ""} · ${esc(stateName(p ? p.state : "unknown"))}</option>`;
    }).join("");
  }

  function renderFailures() {
    const box = $("failures");
    // Keep what the person chose and where they were while the list is redrawn.
    const chosen = Object.fromEntries([...box.querySelectorAll("select[data-ticket]")].map((s) => [s.dataset.ticket, s.value]));
    const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    const rows = st.failures;
    box.innerHTML = !rows.length ? `<p class="muted">${esc(t("failures_none"))}</p>` : `
      <table class="list failures"><thead><tr><th>${esc(t("number"))}</th><th>${esc(t("item"))}</th><th>${esc(t("printer"))}</th><th>${esc(t("reason"))}</th><th>${esc(t("failed_at"))}</th>${st.readOnly ? "" : `<th>${esc(t("reprint"))}</th>`}</tr></thead>
      <tbody>${rows.map((f) => `<tr data-ticket="${f.id}">
        <td><b class="num">${esc(f.number)}</b> <small>${esc(t("status_" + f.status))}</small></td>
        <td>${esc(serviceName(f.service))}</td><td>${esc(f.printer)}</td><td>${esc(printReason(f.reason))}</td><td>${esc(clock(f.finished_at))}</td>
        ${st.readOnly ? "" : `<td class="reprint"><label class="sr" for="reprint-printer-${f.id}">${esc(t("reprint_on", {number: f.number}))}</label>
          <select id="reprint-printer-${f.id}" data-ticket="${f.id}">${printerOptions(chosen[f.id] || f.printer, f.printer)}</select>
          <button type="button" class="small primary" id="reprint-${f.id}" data-reprint="${f.id}">${esc(t("reprint"))}</button></td>`}
      </tr>`).join("")}</tbody></table>`;
    if (focused && $(focused)) $(focused).focus();
  }

  async function reprint(ticketId) {
    const row = st.failures.find((f) => f.id === ticketId);
    const printer = $(`reprint-printer-${ticketId}`).value;
    const button = $(`reprint-${ticketId}`);
    button.disabled = true;
    const r = await api("POST", `/tickets/${ticketId}/reprint`, {printer});
    button.disabled = false;
    if (r.ok) {
      pending[r.data.job] = {number: row.number, printer, kind: "reprint"};
      say($("reprint-msg"), t("reprint_sent", {number: row.number, printer}), "ok");
    } else {
      say($("reprint-msg"), await refusal(r, printer), "error");
    }
  }

  /** A refusal in plain words; a printer that is not ready is named with its state, as the devices list has it. */
  async function refusal(r, printer, key = "printer_refused") {
    if (r.data?.error === "printer_not_ready") {
      await reload("devices", "/devices");  // the server judged it by a fresher state than this page had
      const p = printers().find((x) => x.name === printer);
      return t(key, {printer, state: stateName(p ? p.state : "unknown")});
    }
    return r.data?.message || t("conn_lost");
  }

  function onPrintResult(ev) {
    const mine = pending[ev.job];
    if (mine && ev.state !== "pending") {
      delete pending[ev.job];
      if (mine.kind === "reprint") {
        say($("reprint-msg"), ev.state === "printed" ? t("reprinted", {number: mine.number})
          : t("reprint_failed", {number: mine.number, reason: printReason(ev.reason)}), ev.state === "printed" ? "ok" : "error");
      } else {
        greenPrinted(ev);
      }
    }
    later("failures", () => reload("failures", "/print-failures"), 100);
  }

  // --- follow-up cases and windows (the duty screen) ---------------------------------------------

  function renderFollowups() {
    const rows = st.followups.filter((c) => c.status === "open");
    const linked = ["admin", "supervisor"].includes(st.me?.role);
    $("followups").innerHTML = !rows.length ? `<p class="muted">${esc(t("followups_none"))}</p>` : `
      <table class="list followups"><thead><tr><th>${esc(t("window"))}</th><th>${esc(t("number"))}</th><th>${esc(t("rating"))}</th><th>${esc(t("assignee"))}</th><th>${esc(t("due"))}</th></tr></thead>
      <tbody>${rows.map((c) => `<tr data-followup="${c.id}" class="${c.overdue ? "overdue" : ""}">
        <td>${esc(t("window_n", {n: c.window}))}</td>
        <td>${linked ? `<a href="/assessment/evidence/rating/${c.rating.id}">${esc(c.rating.number)}</a>` : esc(c.rating.number)}</td>
        <td><span class="level l${c.rating.level}">${esc(c.rating.level_name)}</span> <small>${esc(c.rating.reasons.map((x) => x.name).join(t("list_sep")))}</small></td>
        <td>${esc(c.assignee ? c.assignee.name : t("unassigned"))}</td>
        <td>${esc(c.due_date)} ${c.overdue ? `<span class="flag">${esc(t("overdue_days", {n: c.days_late}))}</span>` : `<small>${esc(t("in_time"))}</small>`}</td>
      </tr>`).join("")}</tbody></table>`;
  }

  function renderWindows() {
    $("windows").innerHTML = st.windows.map((w) => {
      const reason = w.pause_reason ? (T["pause_" + w.pause_reason] ?? w.pause_reason) : "";
      return `<li class="win ${esc(w.status)}" data-window="${w.number}">
        <div class="win-head"><b>${esc(t("window_n", {n: w.number}))}</b> <span class="name">${esc(w.name)}</span></div>
        <div><span class="pill ${esc(w.status)}">${esc(t("status_" + w.status))}${reason ? esc(t("colon")) + esc(reason) : ""}</span></div>
        <div class="serving">${w.serving ? esc(t("serving", {number: w.serving.number})) : (w.status === "open" ? `<span class="muted">${esc(t("idle"))}</span>` : "")}</div>
        <div class="staff">${w.staff ? esc(`${w.staff.name} · ${w.staff.post}`) : ""}</div></li>`;
    }).join("");
  }

  // --- alerts ----------------------------------------------------------------------------------

  let alerts = [];  // the server's alerts, newest first
  const cleared = new Set();  // acknowledged ones this screen was asked to stop showing
  const byTime = (a, b) => (Date.parse(b.raised_at) || 0) - (Date.parse(a.raised_at) || 0) || b.id - a.id;

  /** An alert as the server sent it (raised, acknowledged, ended, or in a snapshot); true when new here. */
  function keepAlert(a) {
    const i = alerts.findIndex((x) => x.id === a.id);
    if (i >= 0) { alerts[i] = {...alerts[i], ...a}; return false; }
    alerts.push(a);
    return true;
  }

  function onAlertsSnapshot(data) {
    const fresh = (data.alerts || []).filter(keepAlert).filter((a) => !a.acked_at);
    renderAlerts(fresh[0]?.id);
    if (fresh.length) cueNew();
  }

  function onAlert(a) {
    const fresh = keepAlert(a);
    renderAlerts(fresh ? a.id : null);
    if (fresh && !a.acked_at) cueNew();
  }

  function alertText(a) {
    const d = a.data || {};
    if (a.kind === "help") {
      return [t("alert_help", {kiosk: d.kiosk}), d.screen ? t("alert_help_screen", {screen: T["screen_" + d.screen] ?? d.screen}) : ""];
    }
    if (a.kind === "device") {
      return [t("alert_device", {device: deviceLabel(d), state: stateName(d.state)}), detailText(d)];
    }
    if (a.kind === "print") {
      return [t("alert_print", {number: d.number, printer: d.printer}),
        (d.reason ? t("alert_print_reason", {reason: printReason(d.reason)}) : "") + t("alert_print_hint")];
    }
    if (a.kind === "bad_review") {
      return [t("alert_followup", {window: d.window, number: d.number, level: T["level_" + d.level] ?? d.level}),
        t("alert_followup_due", {date: d.due_date, assignee: d.assignee ? t("assigned_to", {name: d.assignee}) : t("nobody_assigned")})];
    }
    if (a.kind === "unstaffed") {
      return [t("alert_unstaffed", {window: d.window, status: t("status_" + d.status), n: d.waiting}),
        t("alert_unstaffed_hint", {services: (d.services || []).map(serviceName).join(t("list_sep"))})];
    }
    if (a.kind === "followup_overdue") {
      return [t("alert_overdue", {window: d.window, number: d.number, date: d.due_date}), ""];
    }
    return [d.title || a.kind, d.text || a.subject];  // a kind another part of hallq raises (complaints)
  }

  function renderAlerts(fresh) {
    alerts.sort(byTime);
    const shown = alerts.filter((a) => !cleared.has(a.id));
    const open = alerts.filter((a) => !a.acked_at).length;
    $("alerts-count").textContent = open ? t("alerts_new", {n: open}) : "";
    document.title = (open ? `(${open}) ` : "") + t("title") + " · hallq";
    const focused = document.activeElement?.dataset?.ack;
    $("ack-all").hidden = $("clear-acked").hidden = st.readOnly;
    const none = st.readOnly ? t("alerts_not_yours") : t("alerts_none");
    $("alerts").innerHTML = !shown.length ? `<li class="muted none">${esc(none)}</li>` : shown.map((a) => {
      const [title, detail] = alertText(a);
      const over = a.ended_at && !a.ongoing && !["help", "print", "bad_review"].includes(a.kind) ? `<small class="ended">${esc(t("alert_ended", {time: clock(a.ended_at)}))}</small>` : "";
      return `<li class="alert ${esc(a.level)} k-${esc(a.kind)}${a.acked_at ? " acked" : ""}${a.id === fresh ? " fresh" : ""}" data-alert="${a.id}">
        <time>${esc(clock(a.raised_at))}</time>
        <div class="what"><b>${esc(title)}</b>${detail ? `<small>${esc(detail)}</small>` : ""}${over}</div>
        ${a.acked_at ? `<span class="done">${esc(t("acked_by", {name: a.acked_by, time: clock(a.acked_at)}))}</span>`
          : `<button type="button" class="small" data-ack="${a.id}">${esc(t("ack"))}</button>`}</li>`;
    }).join("");
    if (focused) {
      // Focus moves on to the next alert to acknowledge, so a keyboard user can work down the list.
      const next = $("alerts").querySelector("button[data-ack]");
      if (next) next.focus();
    }
  }

  async function ack(id) {
    const r = await api("POST", `/alerts/${id}/acknowledge`);
    if (r.ok) { keepAlert(r.data); renderAlerts(); return; }
    // Someone else was first (409 names them), or it is gone: say so, and show the server's word.
    say($("alerts-msg"), r.data?.message || t("conn_lost"), "error");
    const all = await api("GET", "/alerts");
    if (all.ok) { all.data.forEach(keepAlert); renderAlerts(); }
  }
  async function ackAll() {
    for (const a of alerts.filter((x) => !x.acked_at)) await ack(a.id);
  }
  function clearAcked() {
    alerts.filter((a) => a.acked_at).forEach((a) => cleared.add(a.id));
    renderAlerts();
  }

  // --- the cue: a flash always, two tones when sound is on -----------------------------------

  let audio = null;
  const soundWanted = () => localStorage.getItem(SOUND_KEY) !== "off";
  const soundOn = () => !!audio && audio.state === "running" && soundWanted();

  function renderSound() {
    const b = $("sound");
    b.textContent = soundOn() ? t("sound_on") : t("sound_off");
    b.setAttribute("aria-pressed", String(soundOn()));
    // After a reboot Chromium keeps the page silent until someone clicks it: say so, with the click to make.
    $("sound-note").hidden = soundOn() || !soundWanted() || !window.hallqDuty.soundChecked;
  }
  // Browsers start sound only after a person has touched the page: try at start, then on the first touch.
  function wakeSound() {
    if (!soundWanted()) return;
    try {
      if (!audio) {
        audio = new AudioContext();
        audio.onstatechange = renderSound;  // a click that lets sound start takes the note away
      }
      const settled = () => { window.hallqDuty.soundChecked = true; renderSound(); };
      audio.resume().then(settled, settled);
      // A resume the browser blocks (no click since the page loaded: after a reboot) never settles until
      // someone clicks; a context that has not started by then is blocked, and the screen says so.
      setTimeout(settled, 1000);
    } catch (err) { /* no audio device: the flash remains */ }
  }
  function initSound() {
    $("sound").addEventListener("click", () => {
      // By what the button said: the page-wide first-touch wake-up below may have started sound just now.
      if ($("sound").getAttribute("aria-pressed") === "true") { localStorage.setItem(SOUND_KEY, "off"); renderSound(); return; }
      localStorage.setItem(SOUND_KEY, "on");
      wakeSound();
      setTimeout(beep, 50);
    });
    ["pointerdown", "keydown"].forEach((name) => document.addEventListener(name, () => { if (!soundOn()) wakeSound(); }));
    $("sound-enable").addEventListener("click", () => {
      localStorage.setItem(SOUND_KEY, "on");
      wakeSound();
      setTimeout(beep, 50);
    });
    wakeSound();
    renderSound();
  }

  function beep() {
    if (!soundOn()) return;
    const start = audio.currentTime;
    [880, 660].forEach((hz, i) => {
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.2, start + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.25 + 0.22);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.25);
      osc.stop(start + i * 0.25 + 0.23);
    });
    window.hallqDuty.beeps += 1;
  }

  function cueNew() {
    const panel = document.querySelector(".alerts-panel");
    panel.classList.remove("flash");
    void panel.offsetWidth;  // restart the animation
    panel.classList.add("flash");
    later("cue", beep, 30);  // a burst of alerts (a reload) rings once
  }

  // --- the guide desk: green channel ------------------------------------------------------------

  /** Why a number taken now for this item would not be called (GET /services' `open` is false): the hall
   * is closed or the quota used (暂停取号), or no window serves it now (a ticket waits, so the desk is told). */
  const notIssuing = (s) => s.issuing ? "unstaffed_now" : "closed_now";

  function renderServices() {
    const select = $("service");
    const q = $("service-filter").value.trim().toLowerCase();
    const keep = select.value;
    const rows = st.services.filter((s) => !q || [s.name, s.code, s.department].some((v) => String(v).toLowerCase().includes(q)));
    select.innerHTML = rows.map((s) => `<option value="${esc(s.code)}">${esc(s.name)} · ${esc(s.department)}（${esc(s.code)}） — ${esc(t("waiting_n", {n: s.waiting}))}${s.open ? "" : " · " + esc(t(notIssuing(s)))}${s.quota_left != null ? " · " + esc(t("quota_left", {n: s.quota_left})) : ""}</option>`).join("");
    if (rows.some((s) => s.code === keep)) select.value = keep;
    else if (rows.length) select.value = rows[0].code;
    const printer = $("printer");
    const current = printer.value || deskPrinter();
    printer.innerHTML = printers().length ? printerOptions(current, null) : `<option value="">${esc(t("no_printer"))}</option>`;
    if (printers().some((p) => p.name === current)) printer.value = current;
    printerNote();
  }

  /** Say before issuing when the chosen printer would refuse, rather than after. */
  function printerNote() {
    const p = printers().find((x) => x.name === $("printer").value);
    const warn = $("print-it").checked && p && !WORKING.includes(p.state);
    $("printer-note").hidden = !warn;
    $("printer-note").textContent = warn ? t("printer_not_working", {state: stateName(p.state)}) : "";
  }

  function initDesk() {
    $("service-filter").addEventListener("input", renderServices);
    $("service-filter").addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") { e.preventDefault(); $("service").focus(); }
    });
    $("printer").addEventListener("change", () => {
      if ($("printer").value) localStorage.setItem(DESK_PRINTER_KEY, $("printer").value);
      renderFailures();
      printerNote();
    });
    $("print-it").addEventListener("change", printerNote);
    $("green-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const service = $("service").value;
      if (!service) { $("service-filter").focus(); return; }
      const printer = $("printer").value;
      const print = $("print-it").checked && !!printer;
      const body = {service, priority: "green", reason: document.querySelector("input[name=reason]:checked").value, print};
      if (print) body.printer = printer;
      $("issue-green").disabled = true;
      const r = await api("POST", "/tickets", body);
      $("issue-green").disabled = false;
      await showGreen(r, print ? printer : null);
      later("services", () => reload("services", "/services"), 100);
    });
  }

  async function showGreen(r, printer) {
    const box = $("green-result");
    if (!r.ok) {
      const why = await refusal(r, printer, "desk_printer_refused");
      box.hidden = false;
      box.className = "result refused";
      box.innerHTML = `<h3>${esc(t("refused"))}</h3><p id="green-refusal">${esc(why)}</p>`;
      return;
    }
    const tk = r.data;
    box.hidden = false;
    box.className = "result issued";
    const windows = tk.windows?.length ? tk.windows.map((n) => t("window_n", {n})).join("、") : t("no_window");
    box.innerHTML = `<h3>${esc(t("issued"))} · ${esc(t("green_" + tk.priority_reason))}</h3>
      <div class="big-number" id="green-number">${esc(tk.number)}</div>
      <p>${esc(t("issued_line", {service: tk.service_name, ahead: tk.ahead, windows}))}</p>
      <p class="msg" id="green-print" role="status"></p>`;
    if (tk.print) {
      pending[tk.print.job] = {number: tk.number, printer, kind: "green"};
      say($("green-print"), t("printing_on", {printer}));
    } else {
      say($("green-print"), t("not_printed"), "error");
    }
  }

  function greenPrinted(ev) {
    const el = $("green-print");
    if (!el || $("green-number")?.textContent !== ev.number) return;
    if (ev.state === "printed") say(el, t("printed_ok"), "ok");
    else say(el, t("print_failed_tell", {reason: printReason(ev.reason), number: ev.number}), "error");
  }

  // --- live updates ------------------------------------------------------------------------------

  function connect() {
    const socket = session.connect(() => {
      // Rooms do not survive a reconnect: join again, and read everything again.
      socket.emit("join", {room: `hall:${st.me.hall.id}`});
      if (PAGE === "duty") {
        // Calls for help and bad reviews go to this room alone; the server decides who may (a clerk may not).
        window.hallqDuty.supervisors = null;
        socket.emit("join", {room: "supervisors"}, (answer) => {
          window.hallqDuty.supervisors = answer?.ok ? "ok" : (answer?.error || "refused");
        });
      }
      refresh();
    });
    socket.on("device.status", onDeviceStatus);
    socket.on("print.result", onPrintResult);
    socket.on("alerts.snapshot", (data) => { if (PAGE === "duty") onAlertsSnapshot(data); });
    ["alert.raised", "alert.acknowledged", "alert.ended"].forEach((name) => socket.on(name, (a) => {
      if (PAGE === "duty") onAlert(a);
    }));
    socket.on("followup.opened", () => { if (PAGE === "duty") later("followups", () => reload("followups", "/followups?status=open")); });
    socket.on("followup.updated", () => { if (PAGE === "duty") later("followups", () => reload("followups", "/followups?status=open")); });
    ["window.status", "ticket.called", "ticket.recalled", "ticket.skipped", "ticket.held", "ticket.transferred",
      "ticket.finished", "ticket.expired"].forEach((name) => socket.on(name, () => {
      if (PAGE === "duty") later("windows", () => reload("windows", "/windows"));
    }));
    // The waiting counts the guide desk offers with each item.
    ["ticket.issued", "queue.stats"].forEach((name) => socket.on(name, () => {
      if (PAGE === "desk") later("services", () => reload("services", "/services"), 500);
    }));
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !st.me) return;
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName) && !["radio", "checkbox"].includes(e.target.type);
    if (typing) return;
    const key = e.key.toLowerCase();
    if (PAGE === "duty" && key === "a") {
      e.preventDefault();
      const newest = alerts.find((a) => !a.acked_at);
      if (newest) ack(newest.id);
      const next = $("alerts").querySelector("button[data-ack]");
      if (next) next.focus();
    } else if (PAGE === "desk" && key === "g") {
      e.preventDefault();
      $("service-filter").focus();
    }
  }

  function init() {
    session.onSignIn(start);
    $("logout").addEventListener("click", async () => {
      await session.logOut();  // the server ends the sign-in, not only this tab
      signOut();
    });
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", (e) => {
      const target = e.target.closest("[data-ack], [data-reprint]");
      if (!target) return;
      if (target.dataset.ack) ack(Number(target.dataset.ack));
      else reprint(Number(target.dataset.reprint));
    });
    if (PAGE === "duty") {
      $("ack-all").addEventListener("click", ackAll);
      $("clear-acked").addEventListener("click", clearAcked);
    }
    if (token()) start(); else showSignin();
  }

  init();
})();
