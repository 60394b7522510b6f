/* The hall TV display: latest calls, windows, waiting counts, notice, clock.
 *
 * State comes only from the server: a `snapshot` on every (re)connect replaces
 * everything, and live events patch it in between, so a TV that was offline
 * for an hour is right again seconds after the network returns, with no one
 * touching it. A periodic snapshot request mends anything a lost event left.
 *
 * The display token comes from the URL fragment (/display#token=...), which
 * browsers never send to the server, so it never lands in an access log;
 * device_page.js holds what the device pages share.
 *
 * Audio hook: `hallqDisplay.announce({audio: [url, ...]})`, also reached by a
 * Socket.IO `announce` event with that payload, queues WAV/MP3 URLs and plays
 * them one after another, never two at once. A profile with `audio = true`
 * queues /display/announce.wav for every call it shows by itself.
 */
(function () {
  "use strict";

  const P = window.hallqDevicePage;
  const LANG = P.HOME_LANG;
  const T = P.TEXTS[LANG];
  const BLINK_MS = 8000;           // the newest call blinks this long after it is made
  const PAGE_MS = 8000;            // lists too long for the screen turn a page this often
  const RESYNC_MS = 5 * 60 * 1000; // belt and braces: a fresh snapshot this often anyway
  const STALE_AUDIO_MS = 60 * 1000; // a call not spoken within a minute is not spoken late
  const RECENT_MAX = 8;

  const {$, esc, fail, recover} = P;
  const fill = (template, values) => P.fill(template, values, esc);  // for innerHTML: the values escaped

  const state = {
    hall: null, display: null, windows: [], services: [], calls: [],
    serverOffset: 0,          // server clock minus this machine's clock, ms
    freshUntil: 0,            // client ms until which the newest call blinks
    page: 0,                  // advances every PAGE_MS; each long list pages with it
    connected: false,
  };

  const token = P.fragmentToken();

  // --- time -------------------------------------------------------------------------
  const serverNow = () => Date.now() + state.serverOffset;

  function tickClock() {
    const tz = (state.hall && state.hall.timezone) || "Asia/Shanghai";
    const now = new Date(serverNow());
    const date = new Intl.DateTimeFormat(T.weekday_locale, {
      timeZone: tz, year: "numeric", month: "long", day: "numeric"}).format(now) + " " +
      new Intl.DateTimeFormat(T.weekday_locale, {timeZone: tz, weekday: "long"}).format(now);
    const time = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"}).format(now);
    $("date").textContent = date;
    $("time").textContent = time;
  }

  // --- state changes ----------------------------------------------------------------
  function applySnapshot(s) {
    state.serverOffset = Date.parse(s.at) - Date.now();
    state.hall = s.hall;
    state.display = s.display || null;
    state.windows = s.windows || [];
    state.services = s.services || [];
    state.calls = s.recent_calls || [];
    state.info = s.info || null;
    // A call made while this screen was away still blinks if it is that recent.
    const newest = state.calls[0];
    const age = newest ? serverNow() - Date.parse(newest.at) : Infinity;
    state.freshUntil = age < BLINK_MS ? Date.now() + (BLINK_MS - Math.max(age, 0)) : 0;
    document.body.classList.remove("starting");
    tickClock();
    render();
  }

  function addCall(e, kind) {
    endCalls(e.id);  // the ticket is called here now, wherever it was called before
    state.calls.unshift({id: e.id, number: e.number, service: e.service, window: e.window, at: e.at, kind: kind,
                         serving: true});
    state.calls.length = Math.min(state.calls.length, 50);
    state.freshUntil = Date.now() + BLINK_MS;
    if (state.display && state.display.audio && e.number && e.window != null) {
      // Spoken as the hall's speakers say it (the hall's voice settings, not this page's language).
      const q = new URLSearchParams({number: e.number, window: e.window});
      announcer.enqueue(["/display/announce.wav?" + q]);
    }
  }

  const findWindow = (n) => state.windows.find((w) => w.number === n);
  const findService = (code) => state.services.find((s) => s.code === code);

  function setServing(e) {
    const w = findWindow(e.window);
    state.windows.forEach((other) => {  // one ticket is at one window only
      if (other.serving && other.serving.id === e.id) other.serving = null;
    });
    if (w) w.serving = {id: e.id, number: e.number, service: e.service};
  }

  function clearServing(e) {
    state.windows.forEach((w) => { if (w.serving && w.serving.id === e.id) w.serving = null; });
    endCalls(e.id);
  }

  // A ticket finished, skipped, held or moved on is no longer being called: it leaves "now calling".
  function endCalls(id) {
    state.calls.forEach((c) => { if (id != null && c.id === id) c.serving = false; });
  }

  // The call "now calling" shows: the newest that still stands.
  const standingCall = () => state.calls.find((c) => c.serving !== false) || null;

  // The window's next ticket, when this display names it ("请A003准备").
  function nextAt(number) {
    if (!state.display || !state.display.prepare_next) return null;
    const w = findWindow(number);
    return w && w.status === "open" ? (w.next || null) : null;
  }

  // --- drawing ----------------------------------------------------------------------
  let renderQueued = false;
  function render() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; draw(); });
  }

  function draw() {
    const hall = state.hall || {};
    const d = state.display || {};
    $("hall-name").textContent = hall.name || "";
    const title = (LANG === "en" && d.title_en) || d.title || (d.windows || d.services ? "" : T.whole_hall);
    $("profile-title").textContent = title;
    $("profile-title").hidden = !title;
    const info = d.kind === "info";
    $("board").hidden = info;
    $("info").hidden = !info;
    drawNotice(hall.notice || T.default_notice);
    if (info) { drawInfo(state.info || {}); return; }
    drawNewest();
    drawRecent();
    drawWindows();
    drawQueues();
    drawNotice(hall.notice || T.default_notice);
  }

  function isFresh() { return Date.now() < state.freshUntil; }

  // The same number called again at the same window is one line, at its newest place.
  function distinctCalls() {
    const seen = new Set();
    return state.calls.filter((c) => {
      const key = c.number + "@" + c.window;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function drawNewest() {
    const box = $("newest");
    const c = standingCall();
    box.classList.toggle("fresh", Boolean(c) && c === state.calls[0] && isFresh());
    box.classList.toggle("none", !c);
    if (!c) {
      box.innerHTML = `<div class="watch">${esc(T.watch_calls)}</div>`;
      box.dataset.call = "";
      return;
    }
    const next = nextAt(c.window);
    const key = [c.id, c.number, c.window, c.at, c.kind, next].join("|");
    if (box.dataset.call === key) return;  // redrawing would restart the blink
    box.dataset.call = key;
    box.innerHTML = `<div class="number">${esc(c.number)}</div>
      <div class="go">${fill(T.please_go, {window: c.window})}${c.kind === "recalled" ? ` <em>${esc(T.recalled)}</em>` : ""}</div>
      ${next ? `<div class="prepare">${fill(T.prepare, {number: next})}</div>` : ""}`;
  }

  function drawRecent() {
    const list = $("recent");
    const shown = standingCall();  // on the "now calling" panel, not repeated here
    const calls = distinctCalls().filter((c) => !shown || c.number !== shown.number || c.window !== shown.window)
      .slice(0, RECENT_MAX);
    list.innerHTML = calls.map((c) => `<li><span class="number">${esc(c.number)}</span>
      <span class="arrow">→</span><span class="to">${fill(T.to_window, {window: c.window})}</span></li>`).join("")
      || (state.calls.length ? `<li class="quiet">${esc(T.watch_calls)}</li>` : "");
    // Rows that would not fit whole are left out rather than cut in half.
    const edge = list.getBoundingClientRect();
    for (const li of Array.from(list.children)) {
      const r = li.getBoundingClientRect();
      if (r.bottom > edge.bottom + 1 || r.right > edge.right + 1) li.remove();
    }
  }

  // How big a window card's ticket number can be in a w x h cell. A card wider than
  // COMPACT_ASPECT puts the number beside the window number (see display.css).
  const COMPACT_ASPECT = 1.6;
  const numberSize = (w, h) => (w / h > COMPACT_ASPECT ? Math.min(0.56 * h, 0.22 * w) : Math.min(0.38 * h, 0.38 * w));
  const MIN_NUMBER_PX = 30;  // smaller than this is unreadable across the hall: page instead

  // The columns (and rows) that give n cards in a w x h box the biggest ticket numbers.
  function fitGrid(n, w, h) {
    let best = {cols: 1, rows: n, size: 0};
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const size = numberSize(w / cols, h / rows);
      if (size > best.size) best = {cols, rows, size};
    }
    return best;
  }

  function pageOf(list, perPage, label) {
    const pages = Math.max(1, Math.ceil(list.length / perPage));
    const index = state.page % pages;
    $(label).textContent = pages > 1 ? fill(T.page, {a: index + 1, b: pages}) : "";
    return list.slice(index * perPage, (index + 1) * perPage);
  }

  // A reason picked from the list ("lunch") in the hall's words, as the window's LED screen
  // says it (hallq.wording.pause_reason_text); a reason the clerk typed, as typed.
  function pauseReason(reason) {
    const typed = String(reason || "").trim();
    const key = typed.toLowerCase();
    return Object.prototype.hasOwnProperty.call(T.pause_reasons, key) ? T.pause_reasons[key] : typed;
  }

  function drawWindows() {
    const grid = $("windows");
    const box = grid.getBoundingClientRect();
    let windows = state.windows;
    let fit = fitGrid(windows.length || 1, box.width, box.height);
    if (fit.size < MIN_NUMBER_PX) {  // too many windows for one screen: show them a page at a time
      let perPage = windows.length;
      while (perPage > 1 && fitGrid(perPage, box.width, box.height).size < MIN_NUMBER_PX) perPage -= 1;
      fit = fitGrid(perPage, box.width, box.height);
      windows = pageOf(windows, perPage, "windows-page");
    } else {
      $("windows-page").textContent = "";
    }
    grid.style.gridTemplateColumns = `repeat(${fit.cols}, 1fr)`;
    grid.style.gridTemplateRows = `repeat(${fit.rows}, 1fr)`;
    const newest = state.calls[0];
    const [before, after] = T.window_n.split("{window}");
    grid.innerHTML = windows.map((w) => {
      const fresh = newest && isFresh() && newest.window === w.number && w.serving && w.serving.number === newest.number;
      let body;
      if (w.status === "paused") {
        const why = pauseReason(w.pause_reason);
        body = `<div class="state">${esc(T.paused)}</div>${why ? `<div class="reason">${esc(why)}</div>` : ""}`;
      } else if (w.status === "closed") {
        body = `<div class="state">${esc(T.closed)}</div>`;
      } else if (w.serving) {
        body = `<div class="serving">${esc(w.serving.number)}</div>`;
      } else {
        body = `<div class="state">${esc(T.idle)}</div>`;
      }
      const next = nextAt(w.number);
      if (next) body += `<div class="prepare">${fill(T.prepare, {number: next})}</div>`;
      return `<div class="win ${esc(w.status)}${w.serving ? " busy" : ""}${fresh ? " fresh" : ""}" data-window="${w.number}">
        <div class="card"><div class="label"><span>${esc(before)}</span><b>${w.number}</b><span>${esc(after)}</span></div>
        ${body}<div class="name">${esc(w.name)}</div></div></div>`;
    }).join("");
  }

  function drawQueues() {
    const list = $("queues");
    const all = state.services.slice().sort((a, b) => (b.waiting - a.waiting) || a.code.localeCompare(b.code));
    const waiting = all.filter((s) => s.waiting > 0);
    // How many rows fit: measured on a sample row, since the size follows the screen (CSS).
    list.innerHTML = `<div class="q"><span class="item">—</span></div>`;
    const rowH = list.firstChild.getBoundingClientRect().height || 60;
    const cols = getComputedStyle(list).gridTemplateColumns.split(" ").length;
    const perPage = Math.max(1, Math.floor((list.getBoundingClientRect().height + 1) / rowH)) * cols;
    // Every item when they all fit (a zone's few items, zeros too); else only those with people waiting.
    const shown = all.length <= perPage ? all : waiting;
    if (!shown.length || !waiting.length && all.length > perPage) {
      $("queues-page").textContent = "";
      list.innerHTML = `<div class="nobody">${esc(T.nobody_waiting)}</div>`;
      return;
    }
    list.innerHTML = pageOf(shown, perPage, "queues-page").map((s) => `
      <div class="q${s.waiting ? "" : " zero"}" data-service="${esc(s.code)}">
        <span class="prefix">${esc(s.prefix)}</span>
        <span class="item">${esc(s.name)}</span>
        <span class="count">${fill(T.waiting, {n: s.waiting})}</span>
        <span class="eta">${s.waiting ? fill(T.minutes, {m: Math.max(1, Math.round(s.estimated_wait_s / 60))}) : ""}</span>
      </div>`).join("");
  }

  // --- the public information screen (a profile of kind "info") ----------------------
  function initials(name) { return String(name || "").trim().slice(0, 1); }

  // Photos need the display token as a bearer header, which an <img> cannot send: fetched, kept
  // as object URLs by staff number (null: none to show, the initial stays).
  const photos = new Map();
  async function showPhoto(number) {
    if (!photos.has(number)) {
      photos.set(number, fetch("/display/photo/" + encodeURIComponent(number),
                               {headers: token ? {Authorization: "Bearer " + token} : {}})
        .then((r) => (r.ok ? r.blob() : null)).then((b) => (b ? URL.createObjectURL(b) : null)).catch(() => null));
    }
    const url = await photos.get(number);
    const face = document.querySelector(`.person[data-staff="${CSS.escape(number)}"] .face`);
    if (url && face && !face.querySelector("img")) face.innerHTML = `<img alt="" src="${esc(url)}">`;
  }

  function drawInfo(info) {
    const grid = $("roster");
    const people = info.roster || [];
    // How many cards fit: measured on a sample card, since sizes follow the screen (CSS).
    grid.innerHTML = `<div class="person"><div class="face"></div></div>`;
    const card = grid.firstChild.getBoundingClientRect();
    const gap = parseFloat(getComputedStyle(grid).rowGap) || 0;
    const cols = getComputedStyle(grid).gridTemplateColumns.split(" ").length;
    const rows = Math.max(1, Math.floor((grid.getBoundingClientRect().height + gap) / (card.height + gap)));
    grid.innerHTML = pageOf(people, rows * cols, "roster-page").map((p) => {
      const posts = p.posts.length
        ? p.posts.map((x) => `${fill(T.window_n, {window: x.window})} ${esc(T["info_post_" + x.post] || x.post)}`).join("、")
        : esc(T.info_no_post);
      const face = `<span class="initials">${esc(initials(p.name))}</span>`;  // the photo replaces it once loaded
      return `<div class="person" data-staff="${esc(p.number)}"><div class="face">${face}</div>
        <div class="who"><div class="name">${esc(p.name)}</div>
        <div class="staff-number">${fill(T.info_staff_number, {number: p.number})}</div>
        <div class="posts">${posts}</div>
        ${p.department ? `<div class="department">${esc(p.department)}</div>` : ""}</div></div>`;
    }).join("");
    people.filter((p) => p.photo).forEach((p) => showPhoto(p.number));
    const sup = info.supervision || {};
    $("supervision-phone").textContent = sup.phone ? P.fill(T.info_phone, {phone: sup.phone}) : "";
    $("supervision-phone").hidden = !sup.phone;
    $("complaint-channels").innerHTML = (sup.channels || []).map((c) => `<li>${esc(c)}</li>`).join("");
    const b = info.bulletin;
    const [year, month] = b ? b.month.split("-") : [];
    $("bulletin-title").textContent = b ? P.fill(T.info_bulletin_month, {year, month: String(Number(month))}) : T.info_bulletin;
    $("bulletin").innerHTML = !b ? `<p class="quiet">${esc(T.info_no_bulletin)}</p>`
      : b.honours.map((h) => `<div class="honour"><div class="title">${esc(h.title)}</div>
          <div class="units">${h.windows.map((w) => `<span class="unit">${fill(T.window_n, {window: w.window})}
            <small>${esc(w.name)}</small></span>`).join("")}</div></div>`).join("")
        + (b.ranking.length ? `<div class="ranking"><div class="title">${esc(T.info_ranking)}</div><ol>${
          b.ranking.slice(0, 5).map((r) => `<li><span>${fill(T.info_rank, {rank: r.rank})}</span>
            <span>${fill(T.window_n, {window: r.window})} ${esc(r.name)}</span>
            <span class="score">${fill(T.info_score, {score: r.score})}</span></li>`).join("")}</ol></div>` : "");
    // Ranking rows that would not fit whole are left out rather than cut in half (the honours stay).
    const edge = document.querySelector("#info .bulletin").getBoundingClientRect();
    for (const li of Array.from(document.querySelectorAll("#bulletin .ranking li")).reverse()) {
      if (li.getBoundingClientRect().bottom > edge.bottom - 2) li.remove();
    }
  }

  function drawNotice(text) {
    const span = $("notice");
    if (span.textContent === text) return;  // restarting the scroll on every event would never finish it
    span.textContent = text;
    // A steady reading speed whatever the length: about six characters a second.
    span.style.animationDuration = `${Math.max(12, (text.length + 20) / 6)}s`;
  }

  // --- audio ------------------------------------------------------------------------
  const announcer = {
    queue: [],
    busy: false,
    blocked: false,
    history: [],  // what was played (or not, and why), newest last; for diagnosis
    audio: null,

    enqueue(urls) {
      const now = Date.now();
      for (const url of urls) this.queue.push({url, queued: now});
      this.pump();
    },

    async pump() {
      if (this.busy || this.blocked) return;
      const item = this.queue.shift();
      if (!item) return;
      if (Date.now() - item.queued > STALE_AUDIO_MS) {
        this.remember({url: item.url, skipped: "stale"});
        this.pump();
        return;
      }
      this.busy = true;
      const entry = {url: item.url, started: null, ended: null, error: null};
      try {
        const r = await fetch(item.url, {headers: token ? {Authorization: "Bearer " + token} : {}});
        if (!r.ok) throw new Error("HTTP " + r.status);
        const src = URL.createObjectURL(await r.blob());
        try { await this.play(src, entry); } finally { URL.revokeObjectURL(src); }
      } catch (err) {
        if (err && err.name === "NotAllowedError") {
          // The browser wants a tap before it makes a sound: keep the call, ask for the tap.
          this.queue.unshift(item);
          this.blocked = true;
          this.busy = false;
          $("sound").hidden = false;
          return;
        }
        entry.error = String((err && err.message) || err);
      }
      this.remember(entry);
      this.busy = false;
      this.pump();
    },

    play(src, entry) {
      return new Promise((resolve, reject) => {
        const audio = this.audio || (this.audio = new Audio());
        audio.onended = () => { entry.ended = performance.now(); resolve(); };
        audio.onerror = () => reject(new Error("the audio cannot be decoded"));
        audio.src = src;
        audio.play().then(() => { entry.started = performance.now(); }, reject);
      });
    },

    unblock() {
      this.blocked = false;
      $("sound").hidden = true;
      this.pump();
    },

    remember(entry) {
      this.history.push(entry);
      if (this.history.length > 100) this.history.shift();
    },
  };

  function announce(data) {
    const urls = data && (Array.isArray(data.audio) ? data.audio : data.audio ? [data.audio] : []);
    if (urls && urls.length) announcer.enqueue(urls.filter((u) => typeof u === "string"));
  }

  document.addEventListener("click", () => { if (announcer.blocked) announcer.unblock(); });
  document.addEventListener("keydown", (e) => {
    if (announcer.blocked) announcer.unblock();
    if (e.key === "l" || e.key === "L") {  // someone with a keyboard switches the language
      const url = new URL(location.href);
      url.searchParams.set("lang", LANG === "en" ? "zh" : "en");
      location.replace(url.toString());
    }
  });

  // --- the connection ----------------------------------------------------------------
  tickClock();
  setInterval(tickClock, 1000);
  setInterval(() => { state.page += 1; render(); }, PAGE_MS);
  // End the blink on time rather than at the next page turn.
  setInterval(() => { if (state.freshUntil && !isFresh()) { state.freshUntil = 0; render(); } }, 500);
  window.addEventListener("resize", render);
  P.reloadOnNewToken();

  window.hallqDisplay = {state, announcer, announce, socket: null};

  if (!token) {
    fail(T.no_token);
    return;
  }

  // The server sends a snapshot on every connect; nothing to ask for here.
  const socket = P.connect(token, state, {connected: recover, text: () => T});
  window.hallqDisplay.socket = socket;

  socket.on("snapshot", applySnapshot);
  // Each window's next ticket changes with every call, finish and new ticket; the server works it
  // out (the window's own order), so a display that names it asks for a fresh snapshot, at most
  // once a second however busy the hall.
  let nextTimer = null;
  function refreshNext() {
    if (!state.display || !state.display.prepare_next || nextTimer) return;
    nextTimer = setTimeout(() => { nextTimer = null; if (socket.connected) socket.emit("snapshot"); }, 1000);
  }
  ["ticket.called", "ticket.recalled", "ticket.finished", "ticket.skipped", "ticket.held", "ticket.transferred",
   "ticket.expired", "ticket.issued", "ticket.requeued", "window.status", "queue.stats"].forEach(
    (name) => socket.on(name, refreshNext));
  socket.on("ticket.called", (e) => { addCall(e, "called"); setServing(e); render(); });
  socket.on("ticket.recalled", (e) => { addCall(e, "recalled"); render(); });
  ["ticket.finished", "ticket.skipped", "ticket.held", "ticket.transferred", "ticket.expired"].forEach(
    (name) => socket.on(name, (e) => { clearServing(e); render(); }));
  socket.on("window.status", (e) => {
    const w = findWindow(e.window);
    if (!w) return;
    w.status = e.status;
    w.pause_reason = e.status === "paused" ? (e.reason || null) : null;
    if (e.staff !== undefined) w.staff = e.staff;
    if (e.status === "closed") w.staff = null;
    render();
  });
  socket.on("queue.stats", (e) => {
    const s = findService(e.service);
    if (!s) return;
    s.waiting = e.waiting;
    s.estimated_wait_s = e.estimated_wait_s;
    render();
  });
  socket.on("announce", announce);
  // The hall's posted information changed (a roster edit, a month published): a fresh snapshot.
  socket.on("hall.info", () => {
    photos.clear();  // a new photo may have been uploaded
    if (socket.connected) socket.emit("snapshot");
  });

  setInterval(() => { if (socket.connected) socket.emit("snapshot"); },
    RESYNC_MS + Math.floor(Math.random() * 30000));  // spread so a hall's TVs do not ask at once
})();
