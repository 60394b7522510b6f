/* The citizen's ticket status page (/t/<token>, the QR code's target), on a phone.
 *
 * The server renders the first view; this keeps it current by asking the
 * public GET /api/v1/t/{token} every few seconds (more often once the number
 * is close), so it needs no login, no socket and nothing from the kiosk. A
 * phone that sleeps and wakes asks at once. When the ticket is called the
 * page says which window, and vibrates where the phone allows it.
 */
(function () {
  "use strict";

  const T = JSON.parse(document.getElementById("status-text").textContent);
  let data = JSON.parse(document.getElementById("status-data").textContent);
  if (!data) return;  // unknown ticket: nothing to follow
  const token = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
  const query = new URLSearchParams(location.search);
  const POLL_MS = (Number(query.get("poll")) || 5) * 1000;
  const NEAR_POLL_MS = Math.min(POLL_MS, 3000);
  const DONE = ["finished", "expired"];
  const $ = (id) => document.getElementById(id);
  const fill = (t, v) => String(t).replace(/\{(\w+)\}/g, (_, k) => v[k] ?? "");

  function draw(previous) {
    $("number").textContent = data.number;
    $("service").textContent = data.service_name;
    $("department").textContent = data.department;
    const status = $("status");
    status.textContent = T[data.status] || data.status;
    status.className = "status " + data.status;
    $("queue").hidden = data.status !== "waiting";
    $("ahead").textContent = data.ahead;
    $("eta").textContent = data.ahead === 0 ? T.now : fill(T.minutes, {m: Math.max(1, Math.round(data.estimated_wait_s / 60))});
    const calling = $("calling");
    calling.hidden = !data.calling_window;
    calling.textContent = data.calling_window ? fill(T.calling, {window: data.calling_window}) : "";
    $("windows").textContent = data.windows && data.windows.length ? fill(T.windows, {windows: data.windows.join("、")}) : "";
    document.title = `${data.number} · ${T[data.status] || data.status}`;
    if (data.calling_window && previous && previous.calling_window !== data.calling_window && navigator.vibrate) {
      navigator.vibrate([300, 150, 300]);
    }
  }

  function stamp(ok) {
    const time = new Intl.DateTimeFormat("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit",
      hourCycle: "h23"}).format(new Date());
    const el = $("updated");
    el.textContent = ok ? fill(T.updated, {time}) : T.stale;
    el.className = ok ? "" : "stale";
  }

  let timer = null;
  async function poll() {
    clearTimeout(timer);
    try {
      const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}`, {cache: "no-store"});
      if (!r.ok) throw new Error("HTTP " + r.status);
      const previous = data;
      data = await r.json();
      draw(previous);
      if (data.status === "finished" && previous.status !== "finished") loadRating();
      stamp(true);
    } catch (e) {
      stamp(false);
    }
    if (!DONE.includes(data.status)) {
      timer = setTimeout(poll, data.status === "waiting" && data.ahead > 2 ? POLL_MS : NEAR_POLL_MS);
    }
  }

  // After service the QR code rates it (好差评, channel "qr"), within the hall's days.
  let rating = null, chosen = null;
  async function loadRating() {
    const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}/rating?lang=${T.locale === "en-GB" ? "en" : "zh"}`,
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
    const r = await fetch(`/api/v1/t/${encodeURIComponent(token)}/rating`, {method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": T.locale}, body: JSON.stringify(body)});
    const answer = await r.json().catch(() => ({}));
    if (r.ok) {
      $("levels").hidden = true; $("bad").hidden = true; say(T.rate_thanks, "ok");
    } else {
      say(answer.message || answer.error, "error");
    }
  }
  $("send").addEventListener("click", send);

  document.addEventListener("visibilitychange", () => { if (!document.hidden && !DONE.includes(data.status)) poll(); });
  window.hallqStatus = {get data() { return data; }, poll};
  draw(null);
  stamp(true);
  if (data.status === "finished") loadRating();
  if (!DONE.includes(data.status)) timer = setTimeout(poll, POLL_MS);
})();
