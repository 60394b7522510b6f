/* The clerk console (窗口工作台): sign-in page and window page.
 *
 * Everything goes through /api/v1 with the clerk's own token, kept in this
 * tab's sessionStorage (staff.js holds what the staff pages share). The window
 * page re-reads the window's whole state (GET /windows/{n}/console) whenever Socket.IO says something changed and
 * on every (re)connect, so after a network drop it shows the true state
 * rather than patching what it had. Times and durations come from the
 * server's clock, never the browser's.
 */
"use strict";
(() => {
  const {T, LANG, $, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.console.token", () => { location.href = "/console/"; });
  const {api, token} = session;
  const paren = (a, b) => LANG === "en" ? `${a} (${b})` : `${a}（${b}）`;

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds || 0));
    if (s < 60) return t("seconds", {n: s});
    if (s < 3600) return t("minutes", {n: Math.floor(s / 60)});
    return t("hours_minutes", {h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60)});
  }

  // --- the sign-in page -------------------------------------------------------------

  async function initSignin() {
    session.onSignIn(showWindowChoice);
    $("logout").addEventListener("click", async () => {
      await session.logOut();
      $("window-card").hidden = true;
      $("login-card").hidden = false;
      $("username").focus();
    });
    $("window-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const number = $("window-select").value;
      const post = document.querySelector("input[name=post]:checked").value;
      const r = await api("POST", `/windows/${number}/sign-in`, {post});
      if (!r.ok) return say($("window-msg"), r.data?.message, "error");
      location.href = `/console/window/${number}`;
    });
    if (token()) await showWindowChoice();
  }

  async function showWindowChoice() {
    const [me, windows] = await Promise.all([api("GET", "/me"), api("GET", "/windows")]);
    if (!me.ok || !windows.ok) return say($("login-msg"), (me.ok ? windows : me).data?.message, "error");
    const who = me.data;
    $("login-card").hidden = true;
    $("window-card").hidden = false;
    $("hello").textContent = t("hello", {name: who.staff ? paren(who.staff.name, who.staff.number) : who.username});
    $("posts").textContent = who.posts.length
      ? t("your_posts", {posts: who.posts.map((p) => `${t("window_n", {window: p.window})} ${p.post}`).join("、")})
      : t("no_posts");
    const status = {open: t("status_open"), paused: t("status_paused"), closed: t("status_closed")};
    $("window-select").innerHTML = windows.data.map((w) => `<option value="${w.number}">${esc(t("window_n", {window: w.number}))} ${esc(w.name)} · ${esc(status[w.status])}${w.staff ? " · " + esc(w.staff.name) : ""}</option>`).join("");
    const mine = who.signed_in || who.posts[0];
    if (mine) {
      $("window-select").value = String(mine.window);
      document.querySelector(`input[name=post][value="${mine.post}"]`).checked = true;
    }
    $("continue-box").hidden = !who.signed_in;
    if (who.signed_in) {
      $("continue").textContent = t("continue_at", {window: who.signed_in.window});
      $("continue").href = `/console/window/${who.signed_in.window}`;
      $("continue").focus();
    } else {
      $("window-sign-in").focus();
    }
  }

  // --- the window page -----------------------------------------------------------------

  const N = Number(document.body.dataset.window);
  const OUTCOMES = ["immediate", "promised", "joint", "supplement", "forwarded", "rejected"];
  const NOTICES = {supplement: "supplement", rejected: "rejection", promised: "acceptance"};
  const PAUSE_REASONS = ["lunch", "meeting", "fault"];
  let state = null, me = null, day = null, fetchedAt = 0, directory = null;
  let refreshTimer = null;

  function clock(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString(LANG, {hour: "2-digit", minute: "2-digit", hour12: false,
      timeZone: state?.hall?.timezone || "Asia/Shanghai"});
  }
  // Seconds since an event, by the server's clock (the test hall's clock may be anywhere in time).
  const since = (iso) => (Date.parse(state.at) - Date.parse(iso)) / 1000 + (Date.now() - fetchedAt) / 1000;
  const reasonText = (reason) => T["green_" + reason] ?? reason;
  const priority = (tk) => tk.priority === "normal" ? "" :
    `<span class="badge ${tk.priority}">${esc(t("priority_" + tk.priority))}${tk.priority_reason ? "·" + esc(reasonText(tk.priority_reason)) : ""}</span>`;
  const mineHere = () => me?.signed_in?.window === N;

  // One load at a time; a refresh asked for during a load gets one more load after it,
  // and whoever awaits refresh() sees a state read after they asked.
  let loading = null, queued = null;
  function refresh() {
    if (!loading) {
      loading = load().finally(() => { loading = null; });
      return loading;
    }
    if (!queued) queued = loading.then(() => { queued = null; return refresh(); });
    return queued;
  }
  async function load() {
    const [s, m, d] = await Promise.all([api("GET", `/windows/${N}/console`), api("GET", "/me"), api("GET", "/me/day")]);
    if (s.ok) { state = s.data; fetchedAt = Date.now(); }
    else say($("msg"), s.data?.message, "error");
    if (m.ok) me = m.data;
    if (d.ok) day = d.data;
    if (state) render();
  }
  function scheduleRefresh(delay = 150) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay);
  }

  function render() {
    const w = state.window;
    $("hall-name").textContent = state.hall.name;
    $("window-name").textContent = w.name;
    $("staff").textContent = w.staff ? paren(w.staff.name, `${w.staff.number} · ${w.staff.post}`) : "";
    const status = $("status");
    status.className = "pill " + w.status;
    status.textContent = t("status_" + w.status) + (w.pause_reason ? "：" + reasonLabel(w.pause_reason) : "");
    const cover = w.status === "paused" && state.pause_stand_in;
    $("pause-cover").hidden = !cover;
    $("pause-cover").textContent = cover ? t("pause_cover", {name: paren(cover.name, cover.number)}) : "";
    const banner = $("banner");
    banner.hidden = mineHere();
    banner.innerHTML = mineHere() ? "" : `${esc(t("not_signed_here", {window: N}))} <a href="/console/">${esc(t("go_sign_in"))}</a>`;

    $("items").innerHTML = state.items.map((i) => `<li><span>${esc(i.prefix)} ${esc(i.name)}<small>${esc(i.code)} · ${esc(i.department)}</small></span><b class="${i.waiting ? "" : "zero"}">${esc(t("waiting_n", {n: i.waiting}))}</b></li>`).join("");
    $("sent-here").textContent = state.sent_here ? t("sent_here", {n: state.sent_here}) : "";
    renderCurrent();
    const line = (tk, extra = "") => `<li data-number="${esc(tk.number)}"><b class="num">${esc(tk.number)}</b> <span>${esc(tk.service_name)}</span> ${priority(tk)}${tk.targeted ? `<span class="badge sent">${esc(t("sent_by_name"))}</span>` : ""} <small>${esc(t("waited", {time: duration(tk.waited_s)}))}</small>${extra}</li>`;
    $("upcoming").innerHTML = state.upcoming.length ? state.upcoming.map((tk) => line(tk)).join("") : `<li class="muted">${esc(t("none_waiting"))}</li>`;
    const back = (tk) => ` <button type="button" class="small" data-callback="${tk.id}">${esc(t("call_back"))}</button>`;
    $("held-panel").hidden = !state.held.length;
    $("held").innerHTML = state.held.map((tk) => line(tk, back(tk))).join("");
    $("missed-panel").hidden = !state.missed.length;
    $("missed").innerHTML = state.missed.map((tk) => line(tk, back(tk))).join("");
    renderLastCase();
    renderCaseAlerts();
    renderDay();
    renderButtons();
  }

  function renderCurrent() {
    const c = state.current;
    if (!c) { $("current").innerHTML = `<p class="idle">${esc(t("idle"))}</p>`; return; }
    const transfers = c.transfers.map((x) => `<li>${esc(t("transfer_line", {at: clock(x.at), from_window: x.from_window,
      from_service: x.from_service, to: x.to_window ? t("to_window", {window: x.to_window}) : x.to_service}))}${x.return ? esc(t("returning")) : ""}</li>`).join("");
    $("current").innerHTML = `
      <div class="ticket"><span class="big-number" id="current-number">${esc(c.number)}</span>
        <div><div class="service">${esc(c.service_name)} <small>${esc(c.service)} · ${esc(c.department)}</small></div>
        <div class="facts">${priority(c)} <span>${esc(t("waited", {time: duration(c.waited_s)}))}</span>
          <span id="serving-for"></span>
          <span id="recall-count" class="${c.recall_count >= state.recall_limit ? "warn" : ""}">${esc(t("recalls", {n: c.recall_count, limit: state.recall_limit}))}</span></div>
        ${c.returns_to ? `<div class="note">${esc(t("returns_to", {window: c.returns_to}))}</div>` : ""}</div></div>
      ${transfers ? `<h3>${esc(t("transfers"))}</h3><ul id="transfers" class="history">${transfers}</ul>` : ""}`;
    tick();
  }
  function tick() {
    const el = $("serving-for");
    if (el && state?.current?.called_at) el.textContent = t("serving_for", {time: duration(since(state.current.called_at))});
  }

  function renderLastCase() {
    const last = state.last_finished;
    $("last-case-panel").hidden = !last;
    if (!last) return;
    const bits = [`<b class="num">${esc(last.number)}</b> ${esc(last.service_name)} · ${esc(t("outcome_" + last.outcome))} · ${esc(clock(last.finished_at))}`];
    if (last.returning_to) bits.push(esc(t("returns_to", {window: last.returning_to})));
    if (last.due_date) bits.push(esc(t("due_date", {date: last.due_date})));
    if (last.missing_materials) bits.push(esc(last.missing_materials.join("、")));
    if (last.departments) bits.push(esc(last.departments.join("、")));
    if (last.note) bits.push(esc(last.note));
    $("last-case").innerHTML = bits.map((b) => `<div>${b}</div>`).join("");
    const kind = !last.returning_to && NOTICES[last.outcome];
    const btn = $("btn-print");
    btn.hidden = !kind;
    if (kind && btn.dataset.ticket !== String(last.id)) {
      btn.dataset.ticket = last.id;
      btn.dataset.kind = kind;
      btn.textContent = t("print_notice", {notice: t("notice_" + last.outcome)});
      say($("print-msg"), "");
    }
  }

  function renderCaseAlerts() {
    const cases = state.cases || [];
    $("case-alerts-panel").hidden = !cases.length;
    $("case-alerts").innerHTML = cases.map((c) => {
      if (c.materials_late) {  // 容缺受理: the applicant's materials are late
        return `<li class="overdue materials-late" data-ticket="${c.ticket}">${esc(t("case_materials_late", {number: c.number,
          service: c.service_name, n: c.materials_late, date: c.tolerance.promised_by, materials: c.tolerance.owed.join("、")}))}</li>`;
      }
      const words = c.overdue
        ? t("case_overdue", {number: c.number, service: c.service_name, n: c.days_overdue, date: c.due_on})
        : t("case_due_soon", {number: c.number, service: c.service_name, n: c.working_days_left, date: c.due_on});
      const flags = [c.overdue && !c.delay_reason ? t("case_no_reason") : "", c.escalated ? t("case_escalated") : ""]
        .filter(Boolean).map((f) => ` <span class="badge warn">${esc(f)}</span>`).join("");
      return `<li class="${c.overdue ? "overdue" : "due-soon"}" data-ticket="${c.ticket}">${esc(words)}${flags}</li>`;
    }).join("");
  }

  function renderDay() {
    if (!day) return;
    const r = day.ratings;
    const ratings = !r ? t("ratings_no_staff") : !r.count ? t("ratings_none") : t("ratings_line", {count: r.count,
      rate: r.rate == null ? "—" : Math.round(r.rate * 100) + "%", bad: (r.levels["1"] || 0) + (r.levels["2"] || 0)});
    const outcomes = OUTCOMES.filter((k) => day.outcomes[k]).map((k) => `${t("outcome_" + k)} ${day.outcomes[k]}`).join("，");
    $("my-day").innerHTML = `
      <dt>${esc(t("served"))}</dt><dd id="day-served">${day.served}</dd>
      <dt>${esc(t("avg_service"))}</dt><dd id="day-average">${day.average_service_s == null ? "—" : esc(duration(day.average_service_s))}</dd>
      <dt>${esc(t("calls"))}</dt><dd>${day.calls}</dd>
      <dt>${esc(t("paused_total"))}</dt><dd>${esc(duration(day.paused_s))}</dd>
      ${outcomes ? `<dt>${esc(t("outcome"))}</dt><dd>${esc(outcomes)}</dd>` : ""}
      <dt>${esc(t("ratings"))}</dt><dd id="day-ratings" class="${r?.count ? "" : "muted"}">${esc(ratings)}</dd>`;
  }

  function renderButtons() {
    const serving = !!state.current, paused = state.window.status === "paused", closed = state.window.status === "closed";
    const enable = {call_next: !serving && !paused, call_number: !serving && !paused, recall: serving, skip: serving,
      hold: serving, transfer: serving, finish: serving, pause: !closed || paused, sign_out: true};
    document.querySelectorAll("[data-action]").forEach((b) => { b.disabled = !enable[b.dataset.action]; });
    $("pause-label").textContent = paused ? t("resume") : t("pause");
    document.querySelectorAll("[data-callback]").forEach((b) => { b.disabled = serving || paused; });
  }

  // Why a key did nothing, in the clerk's words rather than a silent no.
  function whyNot(action) {
    const w = state.window, c = state.current;
    if (["call_next", "call_number"].includes(action)) {
      if (c) return t("why_busy", {number: c.number});
      if (w.status === "paused") return t("why_paused");
    }
    if (["recall", "skip", "hold", "transfer", "finish"].includes(action) && !c) return t("why_idle");
    if (action === "pause" && w.status === "closed") return t("why_closed");
    return t("not_now");
  }

  const reasonLabel = (reason) => PAUSE_REASONS.includes(reason) ? t("reason_" + reason) : reason;

  // --- actions ------------------------------------------------------------------------

  async function act(path, body, done) {
    const r = await api("POST", `/windows/${N}/${path}`, body);
    // The new state first, then the word: when the clerk reads "done" the buttons are already right.
    await refresh();
    if (r.status === 204) say($("msg"), t("nobody_waits"));
    else if (r.ok) say($("msg"), done(r.data), "ok");
    else say($("msg"), r.data?.message, "error");
    return r;
  }

  const actions = {
    call_next: () => act("call-next", {}, (tk) => t("called_msg", {number: tk.number})),
    recall: () => act("recall", {}, (tk) => t("recalled_msg", {number: tk.number})),
    skip: openSkip,
    hold: () => act("hold", {}, (tk) => t("held_msg", {number: tk.number})),
    call_number: () => openDialog("dlg-call", () => $("call-ref").focus()),
    transfer: openTransfer,
    finish: openFinish,
    pause: () => state.window.status === "paused"
      ? act("resume", {}, () => t("resumed_msg"))
      : openPause(),
    sign_out: () => openDialog("dlg-sign-out", () => document.querySelector("#form-sign-out .primary").focus()),
  };

  function openDialog(id, focus) {
    const dlg = $(id);
    dlg.querySelectorAll(".msg").forEach((m) => say(m, ""));
    const number = dlg.querySelector(".dlg-number");
    if (number) number.textContent = state.current?.number || "";
    dlg.showModal();
    if (focus) focus();
  }
  // A dialog's own form answers; errors stay in the dialog so the clerk can fix them.
  async function submitDialog(id, path, body, done) {
    const dlg = $(id);
    const r = await api("POST", `/windows/${N}/${path}`, body);
    if (!r.ok) { say(dlg.querySelector(".msg"), r.data?.message, "error"); return r; }
    const text = done(r.data);
    await refresh();
    dlg.close();
    say($("msg"), text, "ok");
    return r;
  }

  // 过号 sends a citizen to the back of the day: asked once more, with the calls so far and the hall's
  // minimum; before the minimum the dialog says when (the server refuses such a skip too).
  function openSkip() {
    const c = state.current, rule = state.skip_rule;
    const calls = 1 + (c.recall_count || 0);
    const since = c.called_at ? sinceCall() : 0;
    const waitS = calls >= rule.calls ? 0 : Math.max(0, Math.ceil(rule.minutes * 60 - since));
    $("dlg-skip-title").textContent = t("skip_confirm", {number: c.number});
    $("skip-calls").textContent = t("skip_calls", {calls, time: duration(since)});
    $("skip-rule").textContent = t("skip_rule", {calls: rule.calls, minutes: rule.minutes});
    openDialog("dlg-skip", () => $("skip-do").focus());
    if (waitS > 0) say(document.querySelector("#dlg-skip .msg"), t("skip_not_yet", {time: duration(waitS)}), "error");
  }

  // 顶岗: the window's other post first, then the departments' colleagues (GET /windows/{n}/console's stand_ins);
  // the default is what the server records when nobody is named, so it is preselected and "nobody" is offered
  // only when there is no default. Someone on leave cannot stand in and is shown disabled.
  function openPause() {
    const people = state.stand_ins || [];
    const label = (p) => [paren(p.name, p.number), p.post ? t("stand_in_post", {post: p.post}) : p.department,
      p.on_leave ? t("stand_in_on_leave") : "", p.window ? t("stand_in_at", {window: p.window}) : ""]
      .filter(Boolean).join(" · ") + (p.default ? t("stand_in_default") : "");
    const hasDefault = people.some((p) => p.default && !p.on_leave);
    $("pause-stand-in").innerHTML = (hasDefault ? "" : `<option value="">${esc(t("stand_in_nobody"))}</option>`) +
      people.map((p) => `<option value="${esc(p.number)}"${p.on_leave ? " disabled" : ""}${p.default && !p.on_leave ? " selected" : ""}>${esc(label(p))}</option>`).join("");
    openDialog("dlg-pause", () => document.querySelector("#dlg-pause input[name=reason]:checked").focus());
  }
  function standInName(number) {
    const p = (state.stand_ins || []).find((x) => x.number === number);
    return p ? paren(p.name, p.number) : "";
  }

  const sinceCall = () => Math.max(0, since(state.current.called_at));

  async function loadDirectory() {
    const [services, windows] = await Promise.all([api("GET", "/services"), api("GET", "/windows")]);
    if (services.ok && windows.ok) directory = {services: services.data, windows: windows.data, at: Date.now()};
    return directory;
  }

  async function openTransfer() {
    if (!await loadDirectory()) return say($("msg"), t("conn_lost"), "error");  // told, never a silent no
    const others = directory.windows.filter((w) => w.number !== N && w.status !== "closed");
    $("transfer-window").innerHTML = others.length
      ? others.map((w) => `<option value="${w.number}">${esc(t("window_n", {window: w.number}))} ${esc(w.name)}${w.staff ? " · " + esc(w.staff.name) : ""}</option>`).join("")
      : `<option value="">${esc(t("no_open_window"))}</option>`;
    $("transfer-service").innerHTML = directory.services.filter((s) => s.code !== state.current?.service)
      .map((s) => `<option value="${esc(s.code)}">${esc(s.department)} · ${esc(s.name)}（${esc(s.code)}）</option>`).join("");
    $("transfer-return").checked = false;
    openDialog("dlg-transfer", () => document.querySelector("#form-transfer input[name=to]:checked").focus());
  }

  async function openFinish() {
    const c = state.current;
    if (!directory) await loadDirectory();
    const guide = c.guide || {};
    const checks = (name, values) => values.map((v) => `<label class="inline"><input type="checkbox" name="${name}" value="${esc(v)}"> ${esc(v)}</label>`).join("");
    $("materials").innerHTML = checks("material", guide.materials || []);
    $("tolerance-materials").innerHTML = checks("tolerance-material", guide.materials || []);
    $("tolerance-on").checked = false;
    $("tolerance-other").value = "";
    $("tolerance-days").value = "";
    $("tolerance-date").textContent = "";
    const departments = [...new Set((directory?.services || []).map((s) => s.department))].filter((d) => d !== c.department);
    $("departments").innerHTML = checks("department", departments);
    $("promised-days").value = guide.promised_days || "";
    $("promised-days").max = guide.legal_days || 365;
    $("legal-days").textContent = guide.legal_days ? t("legal_days", {days: guide.legal_days}) : "";
    $("due-date").textContent = "";
    ["other-materials", "reject-reason", "forward-note"].forEach((id) => { $(id).value = ""; });
    document.querySelector("#form-finish input[value=immediate]").checked = true;
    showOutcomeFields();
    openDialog("dlg-finish", () => document.querySelector("#form-finish input[name=outcome]:checked").focus());
  }

  function showOutcomeFields() {
    const outcome = document.querySelector("#form-finish input[name=outcome]:checked").value;
    document.querySelectorAll("#form-finish .extra").forEach((el) => { el.hidden = el.dataset.for !== outcome; });
    if (outcome === "promised") updateDueDate();
    // 容缺受理 is for a case accepted with a promised time: 承诺件 and 联办件.
    $("tolerance-box").hidden = !["promised", "joint"].includes(outcome);
    $("tolerance-fields").hidden = $("tolerance-box").hidden || !$("tolerance-on").checked;
  }

  let toleranceSeq = 0;
  async function updateToleranceDate() {
    const days = $("tolerance-days").value;
    const seq = ++toleranceSeq;
    if (!/^\d+$/.test(days)) { $("tolerance-date").textContent = ""; return; }
    const r = await api("GET", `/calendar/due-date?days=${days}`);  // the hall calendar's working days
    if (seq !== toleranceSeq) return;
    $("tolerance-date").textContent = r.ok ? t("tolerance_date", {date: r.data.due_date}) : (r.data?.message || "");
  }

  let dueSeq = 0;
  async function updateDueDate() {
    const days = $("promised-days").value;
    const seq = ++dueSeq;
    if (!/^\d+$/.test(days)) { $("due-date").textContent = ""; return; }
    const r = await api("GET", `/calendar/due-date?days=${days}`);
    if (seq !== dueSeq) return;  // a later keystroke asked again
    $("due-date").textContent = r.ok ? t("due_date", {date: r.data.due_date}) : (r.data?.message || "");
  }

  function finishBody() {
    const outcome = document.querySelector("#form-finish input[name=outcome]:checked").value;
    const body = {outcome};
    const checked = (name) => [...document.querySelectorAll(`#form-finish input[name=${name}]:checked`)].map((i) => i.value);
    if (outcome === "promised") body.promised_days = Number($("promised-days").value) || null;
    if (outcome === "joint") body.departments = checked("department");
    if (outcome === "supplement") {
      body.missing_materials = checked("material").concat($("other-materials").value.split("\n").map((s) => s.trim()).filter(Boolean));
    }
    if (outcome === "rejected") body.note = $("reject-reason").value.trim();
    if (outcome === "forwarded" && $("forward-note").value.trim()) body.note = $("forward-note").value.trim();
    if (!$("tolerance-box").hidden && $("tolerance-on").checked) {
      body.tolerance = {materials: checked("tolerance-material").concat($("tolerance-other").value.split("\n").map((s) => s.trim()).filter(Boolean)),
                        days: Number($("tolerance-days").value) || null};
    }
    return body;
  }

  async function printNotice() {
    const btn = $("btn-print");
    btn.disabled = true;
    say($("print-msg"), t("printing"));
    // The print route belongs to the device agent's side of the server; until it
    // exists the answer is "no such address" and the console says nothing was printed.
    const r = await api("POST", `/windows/${N}/notices`, {ticket: Number(btn.dataset.ticket), kind: btn.dataset.kind});
    btn.disabled = false;
    if (r.ok) say($("print-msg"), t("printed", {number: r.data?.number ?? r.data?.id ?? ""}), "ok");
    else say($("print-msg"), r.data?.message, "error");
  }

  // --- first-contact lookup (首问负责制) -------------------------------------------------

  async function lookup() {
    const q = $("lookup-input").value.trim().toLowerCase();
    if (!q) { $("lookup-results").innerHTML = ""; return; }
    if (!directory || Date.now() - directory.at > 30000) await loadDirectory();
    const windows = Object.fromEntries(directory.windows.map((w) => [w.number, w]));
    const found = directory.services.filter((s) => [s.name, s.code, s.department].some((v) => String(v).toLowerCase().includes(q))).slice(0, 8);
    $("lookup-results").innerHTML = found.length ? found.map((s) => {
      const g = s.guide || {};
      const at = s.windows.map((n) => `${t("window_n", {window: n})}${windows[n] ? " " + windows[n].name + "（" + t("status_" + windows[n].status) + "）" : ""}`);
      return `<li><details><summary><b>${esc(s.name)}</b> <small>${esc(s.code)} · ${esc(s.department)}</small><br>
        <span class="where">${esc(at.length ? t("served_at", {windows: at.join("、")}) : t("no_window_serves"))}</span> · ${esc(t("waiting_n", {n: s.waiting}))}</summary>
        <div class="guide"><h4>${esc(t("guide"))}</h4>
        ${g.materials?.length ? `<p>${esc(t("guide_materials"))}：</p><ol>${g.materials.map((m) => `<li>${esc(m)}</li>`).join("")}</ol>` : ""}
        ${g.legal_days || g.promised_days ? `<p>${esc(t("guide_limits", {legal: g.legal_days ?? "—", promised: g.promised_days ?? "—"}))}</p>` : ""}
        ${g.fee ? `<p>${esc(t("guide_fee", {fee: g.fee}))}</p>` : ""}
        ${g.procedure?.length ? `<p>${esc(t("guide_procedure"))}：${esc(g.procedure.join(" → "))}</p>` : ""}
        ${g.basis ? `<p>${esc(t("guide_basis", {basis: g.basis}))}</p>` : ""}</div></details></li>`;
    }).join("") : `<li class="muted">${esc(t("lookup_none"))}</li>`;
  }

  // --- live updates ---------------------------------------------------------------------

  function connect() {
    const socket = session.connect(() => {
      // Rooms do not survive a reconnect; join again, and read the whole state again.
      socket.emit("join", {room: `window:${N}`});
      socket.emit("join", {room: `hall:${me?.hall?.id ?? state?.hall?.id}`});
      scheduleRefresh(0);
    });
    socket.on("snapshot", () => scheduleRefresh());
    const relevant = (ev) => ev.window === N || ev.to_window === N || ev.returning_to === N ||
      (state && state.items.some((i) => i.code === ev.service || i.code === ev.from_service));
    ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.skipped", "ticket.held", "ticket.requeued",
      "ticket.transferred", "ticket.finished", "ticket.expired", "window.status", "queue.stats", "rating.received"].forEach((name) => {
      socket.on(name, (ev) => { if (relevant(ev || {})) scheduleRefresh(); });
    });
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const open = document.querySelector("dialog[open]");
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName) &&
      !(e.target.type === "radio" || e.target.type === "checkbox");
    if (open) {
      // In the finish dialog the digits pick the outcome, unless the clerk is typing.
      if (open.id === "dlg-finish" && !typing && /^[1-6]$/.test(e.key)) {
        const input = document.querySelector(`#form-finish input[value=${OUTCOMES[Number(e.key) - 1]}]`);
        input.checked = true;
        input.focus();
        showOutcomeFields();
        e.preventDefault();
      }
      return;
    }
    if (typing) return;
    const key = e.key.toLowerCase();
    if (key === "l") { e.preventDefault(); $("lookup-input").focus(); return; }
    const button = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (!button) return;
    e.preventDefault();
    if (button.disabled) say($("msg"), whyNot(button.dataset.action), "error");
    else button.click();
  }

  async function initConsole() {
    if (!token()) { location.href = "/console/"; return; }
    document.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", () => actions[b.dataset.action]()));
    document.querySelectorAll("dialog .close").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", (e) => {
      const id = e.target.dataset?.callback;
      if (id) act("call", {ticket: Number(id)}, (tk) => t("called_msg", {number: tk.number}));
    });
    $("form-call").addEventListener("submit", (e) => {
      e.preventDefault();
      const ref = $("call-ref").value.trim();
      submitDialog("dlg-call", "call", {ticket: ref}, (tk) => t("called_msg", {number: tk.number}))
        .then((r) => { if (r.ok) $("call-ref").value = ""; });
    });
    document.querySelectorAll("#form-transfer input[name=to]").forEach((r) => r.addEventListener("change", () => {
      const to = document.querySelector("#form-transfer input[name=to]:checked").value;
      document.querySelector("#form-transfer .to-window").hidden = to !== "window";
      document.querySelector("#form-transfer .to-service").hidden = to !== "service";
    }));
    $("form-transfer").addEventListener("submit", (e) => {
      e.preventDefault();
      const to = document.querySelector("#form-transfer input[name=to]:checked").value;
      const body = to === "window" ? {window: Number($("transfer-window").value) || null} : {service: $("transfer-service").value};
      body.return = $("transfer-return").checked;
      submitDialog("dlg-transfer", "transfer", body, (tk) => t("transferred_msg", {number: tk.number}));
    });
    document.querySelectorAll("#form-finish input[name=outcome]").forEach((r) => r.addEventListener("change", showOutcomeFields));
    $("promised-days").addEventListener("input", updateDueDate);
    $("tolerance-on").addEventListener("change", showOutcomeFields);
    $("tolerance-days").addEventListener("input", updateToleranceDate);
    $("form-finish").addEventListener("submit", (e) => {
      e.preventDefault();
      const body = finishBody();
      const returnsTo = state.current?.returns_to;
      submitDialog("dlg-finish", "finish", body, (tk) => tk.status === "waiting" && returnsTo
        ? t("returned_msg", {number: tk.number, window: returnsTo})
        : t("finished_msg", {number: tk.number, outcome: t("outcome_" + body.outcome)}));
    });
    document.querySelectorAll("#form-pause input[name=reason]").forEach((r) => r.addEventListener("change", () => {
      $("other-reason-box").hidden = document.querySelector("#form-pause input[name=reason]:checked").value !== "other";
    }));
    // Enter on the stand-in list pauses, as it does on a reason: the dialog works from the keyboard alone.
    $("pause-stand-in").addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); $("form-pause").requestSubmit(); }
    });
    $("form-pause").addEventListener("submit", (e) => {
      e.preventDefault();
      const choice = document.querySelector("#form-pause input[name=reason]:checked").value;
      const reason = choice === "other" ? $("other-reason").value.trim() : choice;
      const standIn = $("pause-stand-in").value;
      const name = standInName(standIn);
      const body = standIn ? {reason, stand_in: standIn} : {reason};
      submitDialog("dlg-pause", "pause", body, () => name
        ? t("paused_stand_in_msg", {reason: reasonLabel(reason), name})
        : t("paused_msg", {reason: reasonLabel(reason)}));
    });
    $("form-skip").addEventListener("submit", (e) => {
      e.preventDefault();
      submitDialog("dlg-skip", "skip", {}, (tk) => t("skipped_msg", {number: tk.number}));
    });
    $("form-sign-out").addEventListener("submit", async (e) => {
      e.preventDefault();
      const r = await api("POST", `/windows/${N}/sign-out`, {});
      if (!r.ok) return say(document.querySelector("#form-sign-out .msg"), r.data?.message, "error");
      session.forget();
      location.href = "/console/";
    });
    $("btn-print").addEventListener("click", printNotice);
    let lookupTimer = null;
    $("lookup-input").addEventListener("input", () => { clearTimeout(lookupTimer); lookupTimer = setTimeout(lookup, 150); });
    $("lookup-input").addEventListener("keydown", (e) => { if (e.key === "Escape") { e.target.value = ""; lookup(); e.target.blur(); } });
    await refresh();
    connect();
    setInterval(tick, 1000);
  }

  if (document.body.dataset.page === "signin") initSignin();
  else if (document.body.dataset.page === "console") initConsole();
})();
