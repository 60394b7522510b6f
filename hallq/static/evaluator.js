/* The evaluator pad (评价器): a tablet at the window, facing the citizen.
 *
 * Idle it shows who serves at this window (亮证上岗). When the clerk finishes a
 * ticket the server sends `rating.requested` to the window's room and the pad
 * asks for a rating of that ticket, with a countdown of the hall's
 * `request_seconds`; the bottom two levels need a reason first. The answer goes
 * to POST /api/v1/ratings, which alone decides whether it counts; the pad only
 * says what happened, in plain words, and goes back to idle.
 *
 * State comes from the server: every (re)connect brings a `snapshot`, on which
 * the pad reads GET /evaluator/state (the clerk on duty, this month's stars,
 * and the window's rating request if it can still be answered), so a pad that
 * was offline or reloaded when the clerk finished still asks.
 *
 * The token comes from the URL fragment (/evaluator#token=...), which browsers
 * never send to the server, so it never lands in an access log; device_page.js
 * holds what the device pages share.
 */
(function () {
  "use strict";

  const P = window.hallqDevicePage;
  const {TEXTS, HOME_LANG} = P;
  const THANKS_MS = 5000;          // thanks stay up this long, then the next citizen sees the clerk again
  const NOTICE_MS = 7000;          // a refusal is longer to read than a thank-you
  const RESYNC_MS = 5 * 60 * 1000; // a fresh state now and then mends anything a lost event left
  const TICK_MS = 200;
  const LEVEL_COLOURS = {5: "#14853b", 4: "#4f9e2f", 3: "#c98a00", 2: "#d9631e", 1: "#c62828"};
  // Mouth of each level's face, from a broad smile to a deep frown (SVG path in a 100x100 box).
  const MOUTHS = {5: "M28 60 Q50 84 72 60", 4: "M32 63 Q50 76 68 63", 3: "M33 67 L67 67",
    2: "M32 72 Q50 61 68 72", 1: "M28 76 Q50 56 72 76"};

  const {$, esc, fill, fail, recover} = P;

  const token = P.fragmentToken();

  const state = {
    lang: HOME_LANG,
    pad: null,                 // the last GET /evaluator/state
    options: {zh: null, en: null},
    serverOffset: 0,           // server clock minus this machine's, ms
    mode: "idle",              // idle | ask | reason | sending | message
    request: null,             // {id, number, service_name, deadline, total, shownAt, synced}
    level: null,
    reasons: [],
    sentFor: null,             // the ticket this pad sent a rating for (its own rating.received is no news)
    timedOut: null,            // the ticket whose countdown ran out here (a late state does not ask again)
    messageTimer: null,
    photo: {number: null, url: null},
    spoken: [],                // what the pad said aloud (or tried to), for diagnosis
    connected: false,
    requests: 0,               // POST /ratings sent, for diagnosis
  };
  const T = () => TEXTS[state.lang];
  const serverNow = () => Date.now() + state.serverOffset;

  // --- the server -------------------------------------------------------------------
  async function call(path, {method = "GET", body, lang} = {}) {
    const headers = {Authorization: "Bearer " + token, "Accept-Language": (lang || state.lang) === "en" ? "en" : "zh-CN"};
    if (body) headers["Content-Type"] = "application/json";
    const r = await fetch(path, {method, headers, body: body ? JSON.stringify(body) : undefined, cache: "no-store"});
    let data = null;
    try { data = await r.json(); } catch (err) { data = null; }
    return {status: r.status, ok: r.ok, data};
  }

  async function loadOptions() {
    for (const lang of ["zh", "en"]) {
      if (state.options[lang]) continue;
      try {
        const r = await call("/api/v1/ratings/options?lang=" + lang, {lang});
        if (r.status === 401 || r.status === 403) return fail(T().bad_token);
        if (r.ok) state.options[lang] = r.data;
      } catch (err) { /* offline: the next snapshot tries again */ }
    }
    render();
  }

  let stateSeq = 0;
  async function loadState() {
    const seq = ++stateSeq;
    const asked = performance.now();
    let r;
    try { r = await call("/evaluator/state"); } catch (err) { return; }
    if (seq !== stateSeq) return;  // a newer answer is on its way
    if (r.status === 401 || r.status === 403) return fail(T().bad_token);
    if (r.status === 404) return fail((r.data && r.data.message) || T().bad_token);  // its window was taken out
    if (!r.ok || !r.data) return;
    recover();
    state.serverOffset = Date.parse(r.data.now) - Date.now();
    state.pad = r.data;
    document.body.classList.remove("starting");
    loadPhoto();
    const open = r.data.request;
    const current = state.request;
    if (open && open.id !== state.sentFor && open.id !== state.timedOut && state.mode !== "sending") {
      if (!current || current.id !== open.id) ask(open);
      else Object.assign(current, {deadline: Date.now() + open.seconds_left * 1000, synced: true});
    } else if (!open && current && (state.mode === "ask" || state.mode === "reason") && asked > current.shownAt) {
      toIdle();  // answered on the keypad or by QR, or timed out, while this pad was away
    }
    render();
  }

  async function loadPhoto() {
    const staff = state.pad && state.pad.staff;
    const number = staff && staff.photo ? staff.number : null;
    if (number === state.photo.number) return;
    if (state.photo.url) URL.revokeObjectURL(state.photo.url);
    state.photo = {number, url: null};
    if (!number) return render();
    try {
      const r = await fetch("/evaluator/photo/" + encodeURIComponent(number),
        {headers: {Authorization: "Bearer " + token}});
      if (!r.ok || state.photo.number !== number) return;
      state.photo.url = URL.createObjectURL(await r.blob());
    } catch (err) { /* initials it is */ }
    render();
  }

  // --- what the pad is doing --------------------------------------------------------
  function setMode(mode) {
    state.mode = mode;
    document.body.dataset.mode = mode;
    render();
  }

  function ask(req) {
    clearTimeout(state.messageTimer);
    const total = (state.pad && state.pad.request_seconds) || (state.options.zh && state.options.zh.request_seconds) || 60;
    const left = req.seconds_left != null ? req.seconds_left : total - (serverNow() - Date.parse(req.at)) / 1000;
    if (left <= 0) return;
    if (!state.options.zh) loadOptions();  // the levels come with the options; a failed first try is retried here
    state.request = {id: req.id, number: req.number, service_name: req.service_name || req.service,
      deadline: Date.now() + left * 1000, total, shownAt: performance.now(),
      synced: req.seconds_left != null};  // the time left is the server's count, not this tablet's guess
    state.level = null;
    state.reasons = [];
    $("other-text").value = "";
    $("reason-problem").textContent = "";
    setMode("ask");
  }

  function toIdle() {
    clearTimeout(state.messageTimer);
    state.request = null;
    state.level = null;
    state.reasons = [];
    state.lang = HOME_LANG;  // the next citizen is greeted in the hall's language
    setMode("idle");
  }

  function showMessage(kind, headline, detail, afterMs, then) {
    clearTimeout(state.messageTimer);
    $("message").dataset.kind = kind;
    $("message-symbol").textContent = kind === "thanks" ? "✓" : "!";
    $("message-headline").textContent = headline;
    $("message-detail").textContent = detail || "";
    setMode("message");
    state.messageTimer = setTimeout(then || toIdle, afterMs);
  }

  function choose(level) {
    if (state.mode !== "ask" || !state.request) return;
    const levelInfo = levelOf(level);
    if (levelInfo && levelInfo.bad) {
      state.level = level;
      state.reasons = [];
      $("other-text").value = "";
      $("reason-problem").textContent = "";
      setMode("reason");
      return;
    }
    send(level, [], null);
  }

  function submitReasons() {
    if (state.mode !== "reason") return;
    const comment = $("other-text").value.trim();
    if (!state.reasons.length) {
      $("reason-problem").textContent = T().reason_needed;
      return;
    }
    if (state.reasons.includes("other") && !comment) {
      $("reason-problem").textContent = T().other_needed;
      $("other-text").focus();
      return;
    }
    send(state.level, state.reasons.slice(), comment || null);
  }

  async function send(level, reasons, comment) {
    const req = state.request;
    const before = state.mode;
    state.sentFor = req.id;
    setMode("sending");
    state.requests += 1;
    let r;
    try {
      r = await call("/api/v1/ratings", {method: "POST",
        body: {ticket: req.id, level, reasons, comment, channel: "pad"}});
    } catch (err) {
      r = null;
    }
    if (state.request !== req) return;  // a new request took over meanwhile
    const t = T();
    if (r && r.status === 201) {
      const bad = levelOf(level) && levelOf(level).bad;
      showMessage("thanks", t.thanks, bad ? t.thanks_bad : t.thanks_good, THANKS_MS);
      speak(t.speak_thanks);
      return;
    }
    const code = r && r.data && r.data.error;
    if (!r || r.status >= 500 || r.status === 400) {
      // Not taken: let the citizen try again while the time lasts.
      state.sentFor = null;
      setMode(before);
      const problem = !r || r.status >= 500 ? t.send_failed : (r.data && r.data.message) || t.send_failed;
      if (before === "reason") $("reason-problem").textContent = problem;
      else $("ask-problem").textContent = problem;
      return;
    }
    if (r.status === 401 || (r.status === 403 && code !== "rating_other_window")) return fail(t.bad_token);
    const words = {already_rated: t.already_rated, rating_expired: t.expired, rating_not_requested: t.not_requested,
      rating_rate_limited: t.rate_limited}[code] || (r.data && r.data.message) || t.not_requested;
    if (r.status === 429) {
      // Refused for now, not for good: back to the question if there is time left.
      state.sentFor = null;
      showMessage("problem", words, "", NOTICE_MS, () => {
        if (state.request === req && req.deadline > Date.now()) setMode("ask"); else toIdle();
      });
      return;
    }
    showMessage("problem", words, "", NOTICE_MS);
  }

  // --- speech -------------------------------------------------------------------------
  function speak(text) {
    const lang = state.lang === "en" ? "en-GB" : "zh-CN";
    const entry = {text, lang, spoken: false};
    state.spoken.push(entry);
    try {
      if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") return;
      const u = new SpeechSynthesisUtterance(text);
      u.lang = lang;
      const prefix = lang.slice(0, 2).toLowerCase();
      const voice = window.speechSynthesis.getVoices().find((v) => v.lang.replace("_", "-").toLowerCase() === lang.toLowerCase())
        || window.speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith(prefix));
      if (voice) u.voice = voice;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(u);
      entry.spoken = true;
    } catch (err) {
      entry.error = String(err);
    }
  }

  // --- drawing ------------------------------------------------------------------------
  const levelOf = (level) => {
    const opts = state.options[state.lang] || state.options.zh;
    return opts && opts.levels.find((l) => l.level === level);
  };

  function initials(name) {
    const text = String(name || "").trim();
    if (!text) return "?";
    if (/[\u3400-\u9fff]/.test(text)) return text.slice(0, 1);  // the surname, as name badges do
    const words = text.split(/\s+/);
    return (words[0][0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
  }

  function face(level) {
    return `<svg viewBox="0 0 100 100" aria-hidden="true"><circle cx="50" cy="50" r="46" fill="#fff"/>
      <circle cx="35" cy="40" r="6" fill="currentColor"/><circle cx="65" cy="40" r="6" fill="currentColor"/>
      <path d="${MOUTHS[level]}" stroke="currentColor" stroke-width="7" fill="none" stroke-linecap="round"/></svg>`;
  }

  function render() {
    const t = T();
    document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-t]").forEach((el) => {
      const key = el.dataset.t;
      if (t[key] !== undefined) el.textContent = t[key];
    });
    $("other-text").placeholder = t.other_placeholder;
    const pad = state.pad;
    $("hall-name").textContent = pad ? pad.hall.name : "";
    $("window-title").textContent = pad ? fill(t.window_n, {window: pad.window.number}) + " " + pad.window.name : "";
    drawIdle();
    drawAsk();
    tickClock();
    $("idle").hidden = state.mode !== "idle";
    $("ask").hidden = !["ask", "reason", "sending"].includes(state.mode);
    $("message").hidden = state.mode !== "message";
  }

  function drawIdle() {
    const t = T();
    const pad = state.pad;
    if (!pad) return;
    const w = pad.window;
    const staff = w.status === "open" ? pad.staff : null;
    $("staff-card").hidden = !staff;
    $("invite").hidden = !staff;
    $("unstaffed").hidden = Boolean(staff);
    $("unstaffed").dataset.status = w.status;
    if (!staff) {
      $("unstaffed-state").textContent = w.status === "paused" ? t.paused : t.closed;
      $("unstaffed-hint").textContent = w.status === "paused" ? (w.pause_reason || t.paused_hint) : t.closed_hint;
      return;
    }
    const photo = $("photo");
    const img = photo.querySelector("img");
    if (state.photo.url && state.photo.number === staff.number) {
      if (!img || img.getAttribute("src") !== state.photo.url) {
        photo.innerHTML = `<img alt="" src="${esc(state.photo.url)}">`;
        photo.querySelector("img").onerror = () => { state.photo.url = null; render(); };
      }
    } else if (img || !photo.querySelector(".initials")) {
      photo.innerHTML = `<span class="initials"></span>`;
    }
    const mark = photo.querySelector(".initials");
    if (mark) mark.textContent = initials(staff.name);
    $("staff-name").textContent = staff.name;
    $("staff-number").textContent = fill(t.staff_number, {number: staff.number});
    $("staff-post").textContent = t["post_" + staff.post] || "";
    const serving = pad.serving;
    $("serving-now").hidden = !serving;
    $("serving-now").textContent = serving ? fill(t.serving_now, {number: serving.number}) : "";
    const month = staff.month || {};
    // Below the hall's minimum number of ratings the month says nothing: no stars, no figures.
    $("month").hidden = !month.shown;
    $("stars").hidden = !month.count;
    $("score").textContent = month.count ? fill(t.score, {score: month.stars.toFixed(1)}) : t.month_none;
    $("stars-fill").style.width = month.count ? `${(month.stars / 5) * 100}%` : "0";
    $("stars").setAttribute("aria-label", month.count ? month.stars.toFixed(1) : "");
    $("month-detail").textContent = month.count
      ? fill(month.count === 1 ? t.month_detail_one : t.month_detail, {count: month.count, rate: Math.round(month.satisfied_rate * 100) + "%"}) : "";
  }

  function drawAsk() {
    const t = T();
    const req = state.request;
    const opts = state.options[state.lang] || state.options.zh;
    if (!req || !opts) return;
    $("ask-ticket").innerHTML = `<span class="ticket-number">${esc(req.number)}</span> ${esc(req.service_name)}`;
    const levels = opts.levels.slice().sort((a, b) => b.level - a.level);
    const key = state.lang + levels.map((l) => l.level).join("");
    const box = $("levels");
    if (box.dataset.key !== key) {
      box.dataset.key = key;
      box.innerHTML = levels.map((l) => `<button type="button" class="level${l.bad ? " bad" : ""}" data-level="${l.level}"
        style="--colour:${LEVEL_COLOURS[l.level]}">${face(l.level)}<span>${esc(l.name)}</span></button>`).join("")
        + `<div class="problem" id="ask-problem" role="alert"></div>`;
    }
    const sending = state.mode === "sending";
    box.querySelectorAll("button").forEach((b) => {
      b.disabled = sending;
      b.classList.toggle("chosen", Number(b.dataset.level) === state.level);
    });
    box.hidden = state.mode === "reason" || (sending && state.level !== null);
    const inReasons = state.mode === "reason" || (sending && state.level !== null);
    document.body.classList.toggle("reasoning", inReasons);
    $("reasons-box").hidden = !inReasons;
    if (inReasons) {
      const chosen = levelOf(state.level);
      $("chosen-level").innerHTML = chosen ? `<span class="chip-level" style="--colour:${LEVEL_COLOURS[chosen.level]}">
        ${face(chosen.level)}${esc(chosen.name)}</span>` : "";
      const reasons = $("reasons");
      const rkey = state.lang + state.reasons.join(",");
      if (reasons.dataset.key !== rkey) {
        reasons.dataset.key = rkey;
        reasons.innerHTML = opts.reasons.map((r) => `<button type="button" class="reason${state.reasons.includes(r.code) ? " on" : ""}"
          data-reason="${esc(r.code)}" aria-pressed="${state.reasons.includes(r.code)}">${esc(r.name)}</button>`).join("");
      }
      reasons.querySelectorAll("button").forEach((b) => { b.disabled = sending; });
      $("other-text").hidden = !state.reasons.includes("other");
      $("submit").disabled = sending;
      $("back").disabled = sending;
      if (sending) $("submit").textContent = t.sending;
    }
    drawCountdown();
  }

  function drawCountdown() {
    const req = state.request;
    if (!req) return;
    const left = Math.max(0, req.deadline - Date.now());
    $("countdown-bar").style.width = `${Math.min(100, (left / (req.total * 1000)) * 100)}%`;
    $("countdown-text").textContent = fill(T().left, {s: Math.ceil(left / 1000)});
    $("ask").classList.toggle("hurry", left < 10000);
  }

  function tickClock() {
    const tz = (state.pad && state.pad.hall.timezone) || "Asia/Shanghai";
    $("time").textContent = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23"}).format(new Date(serverNow()));
  }

  function tick() {
    const req = state.request;
    if (req && (state.mode === "ask" || state.mode === "reason")) {
      if (req.deadline <= Date.now()) {  // time is up: back to the clerk's card, and not asked again
        state.timedOut = req.id;
        return toIdle();
      }
      drawCountdown();
    }
  }

  // --- touches ------------------------------------------------------------------------
  $("levels").addEventListener("click", (e) => {
    const b = e.target.closest("button.level");
    if (b) choose(Number(b.dataset.level));
  });
  $("reasons").addEventListener("click", (e) => {
    const b = e.target.closest("button.reason");
    if (!b || state.mode !== "reason") return;
    const code = b.dataset.reason;
    state.reasons = state.reasons.includes(code) ? state.reasons.filter((c) => c !== code) : state.reasons.concat(code);
    $("reason-problem").textContent = "";
    render();
    if (code === "other" && state.reasons.includes("other")) $("other-text").focus();
  });
  $("other-text").addEventListener("input", () => { $("reason-problem").textContent = ""; });
  $("submit").addEventListener("click", submitReasons);
  $("back").addEventListener("click", () => {
    if (state.mode !== "reason") return;
    state.level = null;
    setMode("ask");
  });
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "en" ? "zh" : "en";
    render();
  });
  // The pad must not go dark between citizens; where the browser lets a page keep the
  // screen on it does (the lock drops whenever the page is hidden, so it is taken again).
  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(() => { /* not allowed here: the tablet's own setting rules */ });
    }
  }
  document.addEventListener("visibilitychange", keepAwake);
  keepAwake();
  // A long press on a tablet would select text or open a menu; neither helps a citizen.
  document.addEventListener("contextmenu", (e) => e.preventDefault());

  // --- the connection ------------------------------------------------------------------
  window.hallqPad = {state, socket: null, loadState};
  render();
  setInterval(tick, TICK_MS);
  setInterval(tickClock, 1000);
  P.reloadOnNewToken();

  if (!token) {
    fail(T().no_token);
    return;
  }

  const socket = P.connect(token, state, {connected: recover, text: T});
  window.hallqPad.socket = socket;

  const mine = (e) => e && state.pad ? e.window === state.pad.window.number : Boolean(e);

  // Every (re)connect: the window's state and any request still open.
  socket.on("snapshot", (s) => {
    if (s && s.at) state.serverOffset = Date.parse(s.at) - Date.now();
    loadOptions();
    loadState();
  });
  socket.on("rating.requested", (e) => {
    if (!mine(e)) return;
    if (state.timedOut === e.id) state.timedOut = null;  // the clerk asked again on purpose
    // Asked again for the question on screen (the clerk's "request rating" key): keep the
    // citizen's choices; the time left still runs from the finish (the state says how much).
    const onScreen = state.request && state.request.id === e.id && state.mode !== "idle" && state.mode !== "message";
    if (!onScreen && state.mode !== "sending") ask(e);
    loadState();  // the server's own count of the seconds left, whatever this tablet's clock says
  });
  socket.on("rating.received", (e) => {
    if (!mine(e)) return;
    const req = state.request;
    if (req && e.id === req.id && e.id !== state.sentFor && (state.mode === "ask" || state.mode === "reason")) {
      showMessage("problem", T().rated_elsewhere, "", NOTICE_MS);
    }
    loadState();  // this month's stars moved
  });
  socket.on("window.status", (e) => { if (mine(e)) loadState(); });
  // The ticket at the counter: called here, then finished, skipped, held or moved on.
  socket.on("ticket.called", (e) => {
    if (!mine(e) || !state.pad) return;
    state.pad.serving = {number: e.number};
    render();
  });
  ["ticket.finished", "ticket.skipped", "ticket.held", "ticket.transferred", "ticket.expired"].forEach((name) =>
    socket.on(name, (e) => {
      if (!state.pad || !state.pad.serving || state.pad.serving.number !== e.number) return;
      state.pad.serving = null;
      render();
    }));

  setInterval(() => { if (socket.connected) loadState(); }, RESYNC_MS + Math.floor(Math.random() * 30000));
})();
