/* The citizen's ticket status page (/t/<token>, the QR code's target), on a phone.
 *
 * The server renders the first view; this keeps it current by listening on the
 * public Socket.IO namespace /ticket with the ticket's token (hallq.protocol:
 * `ticket.status` comes whenever its queue moves), so it needs no login and
 * nothing from the kiosk. Only while that socket is down (a network that blocks
 * it, a server restarting) does it ask the public GET /api/v1/t/{token} every
 * few seconds, more often once the number is close. A phone that sleeps and
 * wakes asks at once. When the ticket is called the page says which window, and
 * vibrates where the phone allows it. After the counter, a case (办件) is followed
 * to its result: what the outcome means, then "办理结果已可领取" and the pickup; the
 * page keeps asking, slowly, until then.
 */
(function () {
  "use strict";

  const T = JSON.parse(document.getElementById("status-text").textContent);
  let data = JSON.parse(document.getElementById("status-data").textContent);
  if (!data) return;  // unknown ticket: nothing to follow
  const token = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
  // The page's language: every answer's words (a case's, a refusal's) come in it, by socket and by HTTP.
  const LANG = document.documentElement.lang === "en" ? "en" : "zh";
  const query = new URLSearchParams(location.search);
  const POLL_MS = (Number(query.get("poll")) || 5) * 1000;
  const NEAR_POLL_MS = Math.min(POLL_MS, 3000);
  const DONE = ["finished", "expired"];
  const CASE_OPEN = ["open", "waiting"];  // a case whose result is still to come (hallq.cases.notify.OPEN)
  const CASE_POLL_MS = POLL_MS * 12;  // a case moves in days, not minutes
  // Still worth asking: a ticket in the queue, or a case whose result has not been handed out.
  const following = () => !DONE.includes(data.status) || (data.case && data.case.status !== "delivered" &&
    data.case.kind !== "rejected");
  const $ = (id) => document.getElementById(id);
  const fill = (t, v) => String(t).replace(/\{(\w+)\}/g, (_, k) => v[k] ?? "");

  function draw(previous) {
    $("number").textContent = data.number;
    $("service").textContent = data.service_name;
    $("department").textContent = data.department;
    const status = $("status");
    const headline = caseHeadline(data.case);
    status.textContent = headline || T[data.status] || data.status;
    status.className = "status " + (data.case ? `case-${data.case.status} kind-${data.case.kind}` : data.status);
    $("queue").hidden = data.status !== "waiting";
    $("ahead").textContent = data.ahead;
    $("eta").textContent = data.ahead === 0 ? T.now : fill(T.minutes, {m: Math.max(1, Math.round(data.estimated_wait_s / 60))});
    if ($("notify")) {
      // After the counter, an open case still has its result to tell (办理结果已可领取); otherwise nothing is left.
      const forCase = DONE.includes(data.status) && data.case && CASE_OPEN.includes(data.case.status);
      $("notify").hidden = DONE.includes(data.status) && !forCase;
      if (forCase) {
        $("notify-label").textContent = T.notify_case_title;
        $("notify-hint").textContent = T.notify_case_hint;
      }
    }
    const calling = $("calling");
    calling.hidden = !data.calling_window;
    calling.textContent = data.calling_window ? fill(T.calling, {window: data.calling_window}) : "";
    const next = data.next_services || [];
    $("next").hidden = next.length === 0;
    $("next").textContent = next.length ? fill(T.next, {items: next.map((n) => n.name).join("、")}) : "";
    $("windows").textContent = data.windows && data.windows.length ? fill(T.windows, {windows: data.windows.join("、")}) : "";
    $("windows").hidden = !!data.case;  // a case names its own window; the item's windows would mislead
    document.title = `${data.number} · ${headline || T[data.status] || data.status}`;
    drawCase(data.case);
    if (data.calling_window && previous && previous.calling_window !== data.calling_window && navigator.vibrate) {
      navigator.vibrate([300, 150, 300]);
    }
  }

  function caseHeadline(c) {
    if (!c) return "";
    return T[`case_${c.kind}_${c.status}`] || T[`case_${c.status}`] || "";
  }

  function line(parent, text, cls) {
    const p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    parent.appendChild(p);
    return p;
  }

  function drawCase(c) {
    const box = $("case");
    box.hidden = !c;
    box.replaceChildren();
    if (!c) return;
    const where = c.place || (c.window ? fill(T.window_n, {n: c.window}) : "");
    if (c.kind === "supplement" && c.status === "waiting") {
      line(box, T.case_materials, "label");
      const ul = document.createElement("ul");
      ul.id = "case-materials";
      for (const m of c.missing_materials || []) { const li = document.createElement("li"); li.textContent = m; ul.appendChild(li); }
      box.appendChild(ul);
      line(box, fill(T.case_bring, {date: c.materials_due || "", place: where}), "strong");
    }
    if (c.owed_materials) {  // 容缺受理: what is still owed, and by when
      line(box, fill(T.case_owed, {date: c.materials_promised_by}), "label").id = "case-owed-label";
      const ul = document.createElement("ul");
      ul.id = "case-owed";
      for (const m of c.owed_materials) { const li = document.createElement("li"); li.textContent = m; ul.appendChild(li); }
      box.appendChild(ul);
      line(box, fill(T.case_owed_where, {place: where}));
      if (c.materials_late) line(box, T.case_owed_late, "strong").id = "case-owed-late";
      if (c.due_on) line(box, fill(T.case_due, {date: c.due_on})).id = "case-due";
    }
    if (c.kind === "rejected") {
      line(box, fill(T.case_reason, {reason: c.reason}), "strong").id = "case-reason";
      line(box, c.remedies, "muted");
    }
    if (c.kind === "forwarded" && c.forwarded_to && c.status === "open") line(box, fill(T.case_forwarded_to, {to: c.forwarded_to}));
    if (c.kind === "joint" && c.departments) {
      line(box, T.case_departments, "label");
      for (const d of c.departments) line(box, `${d.name}（${T["case_" + d.role]}）：${d.done ? T.case_task_done : T.case_task_open}`);
    }
    if (c.status === "open" && c.due_on) line(box, fill(T.case_due, {date: c.due_on}), "strong").id = "case-due";
    if (c.status === "done" && c.result_ready) line(box, fill(T.case_pickup, {place: where}), "strong").id = "case-pickup";
    if (c.status === "delivered") {
      const at = new Intl.DateTimeFormat(T.locale, {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
        minute: "2-digit", hourCycle: "h23", timeZone: c.timezone}).format(new Date(c.delivered_at));
      line(box, fill(T.case_delivered_line, {at, by: c.delivered_by, to: c.delivered_to}), "strong").id = "case-delivered";
    }
  }

  function stamp(ok) {
    const time = new Intl.DateTimeFormat("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit",
      hourCycle: "h23"}).format(new Date());
    const el = $("updated");
    el.textContent = ok ? fill(T.updated, {time}) : T.stale;
    el.className = ok ? "" : "stale";
  }

  function take(fresh) {
    const previous = data;
    data = fresh;
    draw(previous);
    if (data.status === "finished" && previous.status !== "finished") loadRating();
    stamp(true);
  }

  // Polling is the fallback: it runs only while the socket is not connected.
  let timer = null, polls = 0;
  async function poll() {
    clearTimeout(timer);
    timer = null;
    if (live.connected) return;
    polls += 1;
    try {
      const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}?lang=${LANG}`, {cache: "no-store"});
      if (!r.ok) throw new Error("HTTP " + r.status);
      take(await r.json());
    } catch (e) {
      stamp(false);
    }
    schedule();
  }
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (live.connected) return;
    if (!DONE.includes(data.status)) {
      timer = setTimeout(poll, data.status === "waiting" && data.ahead > 2 ? POLL_MS : NEAR_POLL_MS);
    } else if (following()) {
      timer = setTimeout(poll, CASE_POLL_MS);  // the socket speaks of queues; a case's steps are asked for
    }
  }

  const live = {connected: false, socket: null};
  function listen() {
    if (typeof io !== "function" || query.get("socket") === "0") return;  // no client library: polling alone
    const socket = io("/ticket", {auth: {ticket: token, lang: LANG}, transports: ["websocket", "polling"], tryAllTransports: true,
                                  reconnectionDelay: 1000, reconnectionDelayMax: 5000});
    live.socket = socket;
    socket.on("connect", () => { live.connected = true; clearTimeout(timer); timer = null; });
    socket.on("disconnect", () => { live.connected = false; schedule(); });
    socket.on("connect_error", () => { live.connected = false; if (!timer) schedule(); });
    socket.on("ticket.status", (fresh) => {
      take(fresh);
      if (DONE.includes(data.status)) socket.disconnect();  // nothing more will change
    });
  }

  // After service the QR code rates it (好差评, channel "qr"), within the hall's days.
  let rating = null, chosen = null;
  async function loadRating() {
    const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}/rating?lang=${LANG}`,
      {cache: "no-store"});
    if (!r.ok) return;
    rating = await r.json();
    $("rate").hidden = !(rating.open || rating.rated);
    $("levels").hidden = !rating.open;
    if (rating.rated) { say(T.rate_done, "ok"); return; }
    $("levels").replaceChildren(...rating.levels.map((l) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = l.name; b.dataset.level = l.level;
      b.addEventListener("click", () => pick(l.level));
      return b;
    }));
    $("reasons").replaceChildren(...rating.reasons.map((reason) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox"; box.value = reason.code;
      label.append(box, " ", reason.name);
      return label;
    }));
  }

  function say(text, kind) { const m = $("rate-msg"); m.textContent = text || ""; m.className = "rate-msg " + (kind || ""); }

  function pick(level) {
    chosen = level;
    for (const b of $("levels").children) b.classList.toggle("chosen", Number(b.dataset.level) === level);
    say("");
    if (level <= rating.bad_from) $("bad").hidden = false;  // a bad review says why before it is sent
    else { $("bad").hidden = true; send(); }
  }

  async function send() {
    const reasons = [...$("reasons").querySelectorAll("input:checked")].map((box) => box.value);
    const body = {level: chosen, reasons: chosen <= rating.bad_from ? reasons : [],
                  comment: chosen <= rating.bad_from ? $("comment").value : null};
    const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}/rating?lang=${LANG}`, {method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": T.locale}, body: JSON.stringify(body)});
    const answer = await r.json().catch(() => ({}));
    if (r.ok) {
      $("levels").hidden = true; $("bad").hidden = true; say(T.rate_thanks, "ok");
    } else {
      say(answer.message || answer.error, "error");
    }
  }
  $("send").addEventListener("click", send);

  // Text reminders (hallq.queue.notify): the number goes once to the server, which answers it masked.
  async function optIn(e) {
    e.preventDefault();
    const phone = $("notify-phone").value.replace(/[\s-]/g, "");
    const done = $("notify-done");
    if (!/^1[0-9]{10}$/.test(phone)) { done.hidden = false; done.className = "done stale"; done.textContent = T.notify_bad; return; }
    const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}/phone?lang=${LANG}`, {method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": T.locale}, body: JSON.stringify({phone})});
    const answer = await r.json().catch(() => ({}));
    done.hidden = false;
    if (r.ok) {
      $("notify-phone").value = "";
      $("notify-form").hidden = true; $("notify-hint").hidden = true;
      done.className = "done"; done.textContent = fill(T.notify_done, {phone: answer.phone});
    } else {
      done.className = "done stale"; done.textContent = answer.message || answer.error || T.stale;
    }
  }
  if ($("notify-form")) $("notify-form").addEventListener("submit", optIn);

  document.addEventListener("visibilitychange", () => {
    if (document.hidden || !following()) return;
    if (live.connected) live.socket.emit("status"); else poll();
  });
  window.hallqStatus = {get data() { return data; }, poll, get live() { return live.connected; },
                        get polls() { return polls; }};
  draw(null);
  stamp(true);
  if (data.status === "finished") loadRating();
  if (!DONE.includes(data.status)) listen();
  schedule();
})();
