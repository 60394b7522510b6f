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
      stamp(true);
    } catch (e) {
      stamp(false);
    }
    if (!DONE.includes(data.status)) {
      timer = setTimeout(poll, data.status === "waiting" && data.ahead > 2 ? POLL_MS : NEAR_POLL_MS);
    }
  }

  document.addEventListener("visibilitychange", () => { if (!document.hidden && !DONE.includes(data.status)) poll(); });
  window.hallqStatus = {get data() { return data; }, poll};
  draw(null);
  stamp(true);
  if (!DONE.includes(data.status)) timer = setTimeout(poll, POLL_MS);
})();
