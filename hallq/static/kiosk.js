/* The self-service kiosk (取号机): find a service, take a number, leave with a printed ticket.
 *
 * The kiosk token arrives once in the URL fragment (/kiosk#token=...), which
 * browsers never send to the server; it is kept in local storage and taken out
 * of the address bar (device_page.js holds what the device pages share). The printer this kiosk prints on is the device named
 * like the token (the server's rule), so its `device.status` is ours to watch.
 *
 * No ghost tickets: the kiosk issues only while its printer reports ok or
 * near end (the server refuses otherwise with 409 printer_not_ready); after a
 * ticket exists, the agent's `print.result` decides what the citizen sees:
 * "take your ticket", or the number large with its QR code and the way to the
 * guide desk. Waiting too long for an answer counts as not printed.
 *
 * Personal data: an ID number is held only in memory for the one request,
 * shown masked, and forgotten when the screen returns to the start.
 */
(function () {
  "use strict";

  const P = window.hallqDevicePage;
  const ALL_TEXT = P.TEXTS;
  const PAGE_LANG = P.HOME_LANG;
  const query = new URLSearchParams(location.search);
  const IDLE_MS = (Number(query.get("idle")) || 60) * 1000;      // back to the start when nobody touches
  const DONE_MS = Math.min(IDLE_MS, 15000);                       // "take your ticket" stays this long
  const IDLE_WARN_MS = Math.min(10000, IDLE_MS / 2);              // the countdown shows this long before
  const PRINT_WAIT_MS = (Number(query.get("print_wait")) || 30) * 1000;  // no answer by then: not printed
  const STATE_POLL_MS = 15000;   // hours, issuing, printer: also re-read, since staleness sends no event
  const RESYNC_MS = 60000;       // a fresh snapshot of the queues now and then
  const HELP_REPEAT_MS = 20000;
  const PER_PAGE = {normal: {departments: 12, items: 9, search: 6, guides: 10, also: 9},
                    elder: {departments: 4, items: 3, search: 3, guides: 4, also: 3}};
  const WORKING = ["ok", "near_end"];
  const ISSUING_SCREENS = ["start", "items", "search", "confirm", "also", "green", "checkin"];
  const STORE = "hallq.kiosk.token";

  const {$, esc, fill} = P;

  const state = {
    lang: PAGE_LANG, elder: false, screen: "start",
    kiosk: null, hall: null, hours: [], alwaysOpen: false, issuing: null, issuingMessage: null, greenAge: 70,
    printer: {state: "unknown", detail: null},
    departments: [], services: [], serverOffset: 0,
    department: null, item: null, results: [], pages: {}, shown: {}, fitted: {},
    also: [], alsoDept: null,  // 一票到底: the further items of this visit, in order; the picker's department
    oneVisit: {max_items: 1, alone: []},  // the hall's rule (kiosk/state)
    guides: [], guideDept: null, guide: null, guideJobs: {},  // 办事指南: the list, its department, the one read
    green: null,          // {id, masked}: the elderly channel, for this citizen only
    appointment: null,    // the booking being checked in
    ticket: null, job: null, printResults: {}, printTimer: null,
    notify: false,        // the hall sends text reminders (kiosk/state)
    notified: null,       // the masked number this citizen's ticket will be texted at
    lastTouch: Date.now(), helpAt: 0,
    spoken: [],           // the guidance spoken, newest last (for people checking the kiosk, and tests)
    connected: false,
  };
  const T = () => ALL_TEXT[state.lang];

  // --- the token ---------------------------------------------------------------------
  function takeToken() {
    const given = P.fragmentToken();
    if (given) {
      localStorage.setItem(STORE, given);
      history.replaceState(null, "", location.pathname + location.search);  // off the screen and history
    }
    return localStorage.getItem(STORE);
  }
  let token = takeToken();

  // --- the server --------------------------------------------------------------------
  async function api(path, options = {}) {
    const sep = path.includes("?") ? "&" : "?";
    const r = await fetch(`/api/v1${path}${sep}lang=${state.lang}`, {
      method: options.method || "GET",
      headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401) needSetup(true);
    return {status: r.status, data: data || {}};
  }

  async function refreshState() {
    try {
      const r = await api("/kiosk/state");
      if (r.status !== 200) return;
      const s = r.data;
      state.kiosk = s.kiosk;
      state.hall = s.hall;
      state.hours = s.hours;
      state.alwaysOpen = s.always_open;
      state.issuing = s.issuing;
      state.issuingMessage = s.issuing_message;
      state.greenAge = s.green_elderly_age;
      state.notify = Boolean(s.notify);
      if (s.one_visit) state.oneVisit = s.one_visit;
      state.departments = s.departments;
      state.serverOffset = Date.parse(s.at) - Date.now();
      setPrinter(s.printer.state, s.printer.detail);
      // Acknowledged while this page was away from the server (a dropped connection): say it now.
      if (s.help && s.help.alert === state.helpAlert && s.help.acknowledged_at) helpComing(s.help.alert);
      document.body.classList.remove("starting");
      drawHeader();
      redraw();
    } catch (e) { /* the socket's offline banner says it; try again at the next poll */ }
  }

  // --- language and words ------------------------------------------------------------
  function applyText() {
    document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = T()[el.dataset.t] || ""; });
    $("elder-toggle").textContent = state.elder ? T().elder_off : T().elder_on;
    $("green-sub").textContent = fill(T().green_sub, {age: state.greenAge});
    drawHeader();
  }

  const minutes = (s) => Math.max(1, Math.round((s || 0) / 60));
  const stateName = (code) => T()["state_" + code] || code;

  // --- spoken guidance (elderly mode) ------------------------------------------------
  const voice = {
    audio: null,
    zhVoice() {
      if (!("speechSynthesis" in window)) return null;
      const want = state.lang === "en" ? "en" : "zh";
      return speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith(want)) || null;
    },
    async say(text) {
      state.spoken.push(text);
      if (state.spoken.length > 50) state.spoken.shift();
      try {
        const v = this.zhVoice();
        if (v) {
          speechSynthesis.cancel();
          const u = new SpeechSynthesisUtterance(text);
          u.voice = v; u.lang = v.lang; u.rate = 0.85;  // slower for older ears
          speechSynthesis.speak(u);
          return;
        }
        // No voice in this browser: the server renders it, if it has a speech engine.
        const r = await fetch("/kiosk/speech.wav", {method: "POST",
          headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
          body: JSON.stringify({text: text.slice(0, 300), lang: state.lang})});
        if (!r.ok) return;
        const src = URL.createObjectURL(await r.blob());
        if (this.audio) this.audio.pause();
        this.audio = new Audio(src);
        this.audio.onended = () => URL.revokeObjectURL(src);
        await this.audio.play();
      } catch (e) { /* guidance is a help, never a condition: stay silent */ }
    },
    stop() {
      try { if ("speechSynthesis" in window) speechSynthesis.cancel(); } catch (e) { /* nothing to stop */ }
      if (this.audio) this.audio.pause();
    },
  };

  function speak(text) { if (state.elder && text) voice.say(text); }

  // --- screens -----------------------------------------------------------------------
  function show(name, {quiet = false} = {}) {
    if (ISSUING_SCREENS.includes(name) && !printerReady() && state.kiosk) name = "printer";
    state.screen = name;
    document.body.dataset.screen = name;
    document.querySelectorAll(".screen").forEach((s) => { s.hidden = s.dataset.name !== name; });
    $("idle").hidden = true;
    state.lastTouch = Date.now();
    redraw();
    const input = {search: "search-input", checkin: "checkin-input", green: "green-input", returning: "returning-input",
                   guides: "guides-input", phone: "phone-input"}[name];
    if (input) $(input).focus();  // a keyboard-wedge scanner or ID reader types where the focus is
    if (!quiet) speakScreen(name);
  }

  function redraw() {
    const draw = {start: drawStart, items: drawItems, search: drawSearch, confirm: drawConfirm, also: drawAlso,
                  printer: drawPrinter, guides: drawGuides, guide: drawGuide, done: drawNotify,
                  phone: drawNotify}[state.screen];
    if (draw) draw();
    drawGreenBanner();
  }

  function drawHeader() {
    $("hall-name").textContent = state.hall ? state.hall.name : "";
    let hours;
    if (state.alwaysOpen) hours = T().hours_always;
    else if (!state.hours.length) hours = T().closed_today;
    else hours = fill(T().hours, {hours: state.hours.map((h) => h.join("–")).join("  ")});
    $("hours").textContent = state.hall ? hours : "";
    const badge = $("printer-badge");
    badge.hidden = !state.kiosk || state.printer.state === "ok";
    badge.textContent = fill(T().printer_state, {state: stateName(state.printer.state)});
    badge.className = "printer " + (printerReady() ? "warn" : "bad");
    tickClock();
  }

  function tickClock() {
    const tz = (state.hall && state.hall.timezone) || "Asia/Shanghai";
    $("clock").textContent = new Intl.DateTimeFormat("en-GB", {timeZone: tz, hour: "2-digit", minute: "2-digit",
      hourCycle: "h23"}).format(new Date(Date.now() + state.serverOffset));
  }

  function perPage(list) { return PER_PAGE[state.elder ? "elder" : "normal"][list]; }

  // One page of a list, with its pager drawn; fewer choices per page in the elderly mode.
  function paged(list, items, pagerId, size = perPage(list)) {
    const pages = Math.max(1, Math.ceil(items.length / size));
    const page = Math.min(state.pages[list] || 0, pages - 1);
    state.pages[list] = page;
    if (pagerId) {
      const pager = $(pagerId);
      pager.hidden = pages < 2;
      pager.querySelector(".where").textContent = fill(T().page, {a: page + 1, b: pages});
      pager.querySelector(".prev").disabled = page === 0;
      pager.querySelector(".next").disabled = page >= pages - 1;
    }
    return items.slice(page * size, (page + 1) * size);
  }

  // Draws one page of tiles into `boxId`, as many as the screen shows whole: a landscape kiosk (or
  // the elderly mode's large tiles) has room for fewer rows than the page size, and a page that
  // spilled would hide its own pager under the action bar. Rows come off until the screen fits.
  function drawTiles(list, items, pagerId, boxId, tile) {
    const box = $(boxId);
    const screen = box.closest(".screen");
    // The size found stays for every page of the list (a page boundary that moved while turning
    // would skip tiles), until the screen, the mode or the language changes (forgetFit).
    let size = Math.min(perPage(list), state.fitted[list] || Infinity);
    for (;;) {
      const page = paged(list, items, pagerId, size);
      box.innerHTML = page.map(tile).join("");
      state.shown[list] = page;  // what the elderly mode's voice reads out
      state.fitted[list] = size;
      if (size <= 1 || screen.scrollHeight <= screen.clientHeight + 1) return;
      const cols = Math.max(1, getComputedStyle(box).gridTemplateColumns.split(" ").length);
      size = Math.max(1, (Math.ceil(Math.min(size, items.length) / cols) - 1) * cols);
    }
  }

  function forgetFit() { state.fitted = {}; }

  function turnPage(list, delta) {
    state.pages[list] = Math.max(0, (state.pages[list] || 0) + delta);
    redraw();
    speakScreen(state.screen);
  }

  const servicesOf = (dept) => state.services.filter((s) => s.department_code === dept.code);

  function drawStart() {
    const banner = $("not-issuing");
    banner.hidden = !state.issuing;
    banner.textContent = state.issuingMessage || "";
    const depts = state.departments.filter((d) => servicesOf(d).length);
    drawTiles("departments", depts, "departments-pager", "departments", (d) => {
      const items = servicesOf(d);
      const waiting = items.reduce((n, s) => n + (s.waiting || 0), 0);
      return `<button type="button" class="tile department" data-department="${esc(d.code)}">
        <span class="name">${esc(d.name)}</span>
        <span class="meta">${esc(fill(T().items_n, {n: items.length}))} · ${esc(fill(T().waiting, {n: waiting}))}</span>
      </button>`;
    });
  }

  // The hall-local "14:00" of an ISO time.
  function clockOf(iso) {
    const tz = (state.hall && state.hall.timezone) || "Asia/Shanghai";
    return new Intl.DateTimeFormat("en-GB", {timeZone: tz, hour: "numeric", minute: "2-digit", hourCycle: "h23"})
      .format(new Date(iso));
  }

  // No window serves the item now: a number may still be taken, once the citizen has been told (warn).
  function unstaffedText(s) {
    if (s.paused_windows) return T().unstaffed_paused;
    if (s.staffed_from) return fill(T().unstaffed_from, {time: clockOf(s.staffed_from)});
    return T().unstaffed;
  }

  function unstaffedWarning(s) {
    const when = s.paused_windows ? T().unstaffed_when_paused
      : s.staffed_from ? fill(T().unstaffed_when_from, {time: clockOf(s.staffed_from)}) : T().unstaffed_when_unknown;
    return fill(T().unstaffed_warn, {when});
  }

  function availability(s) {
    if (state.issuing) return {ok: false, text: T().hall_not_issuing};
    if (s.quota_left === 0) return {ok: false, text: T().quota_out};
    if (!s.windows || !s.windows.length) return {ok: false, text: T().no_window};
    const quota = s.quota_left != null ? fill(T().quota_left, {n: s.quota_left}) : null;
    if (s.staffed === false) return {ok: true, warn: true, text: [quota, unstaffedText(s)].filter(Boolean).join(" · ")};
    if (!s.open) return {ok: false, text: T().not_open};
    if (quota) return {ok: true, text: quota};
    return {ok: true, text: T().open};
  }

  function loadText(s) {
    if (!s.waiting) return s.staffed === false ? fill(T().waiting, {n: 0}) : T().no_wait;  // nobody waits, but for a window
    return `${fill(T().waiting, {n: s.waiting})} · ${fill(T().eta, {m: minutes(s.estimated_wait_s)})}`;
  }

  function itemTile(s) {
    const a = availability(s);
    return `<button type="button" class="tile item${a.ok ? "" : " closed"}" data-service="${esc(s.code)}">
      <span class="name">${esc(s.name)}</span>
      <span class="load">${esc(loadText(s))}</span>
      <span class="avail ${a.warn ? "warn" : a.ok ? "ok" : "no"}">${esc(a.text)}</span>
    </button>`;
  }

  function drawItems() {
    const d = state.department;
    if (!d) return;
    $("items-title").textContent = d.name;
    drawTiles("items", servicesOf(d), "items-pager", "items", itemTile);
  }

  function drawSearch() {
    const q = $("search-input").value;
    $("search-entry").classList.toggle("empty", !q);
    const found = state.results.map((code) => findService(code)).filter(Boolean);
    $("search-results").innerHTML = found.slice(0, perPage("search")).map(itemTile).join("");
    $("search-none").hidden = !q || found.length > 0;
  }

  const findService = (code) => state.services.find((s) => s.code === code);

  function drawConfirm() {
    const s = state.item && findService(state.item);
    if (!s) return;
    const a = availability(s);
    $("confirm-title").textContent = s.name;
    $("confirm-department").textContent = s.department;
    $("confirm-load").textContent = loadText(s);
    $("confirm-windows").textContent = s.windows.length ? fill(T().windows, {windows: s.windows.join("、")}) : "";
    $("confirm-availability").textContent = a.text;
    $("confirm-availability").className = "availability " + (a.warn ? "warn" : a.ok ? "ok" : "no");
    const warning = $("confirm-unstaffed");
    warning.hidden = !a.warn;
    warning.textContent = a.warn ? unstaffedWarning(s) : "";
    drawVisit(s);  // before the materials are fitted into the room the list leaves them
    const materials = (s.guide && s.guide.materials) || [];
    $("confirm-materials").innerHTML = materials.length
      ? materials.map((m) => `<li>${esc(m)}</li>`).join("") : `<li class="none">${esc(T().no_materials)}</li>`;
    fitMaterials(materials.length);
    const take = $("take");
    const n = 1 + state.also.length;
    take.textContent = a.warn ? T().take_anyway : state.green ? T().take_green : n > 1 ? fill(T().take_n, {n}) : T().take;
    take.dataset.unstaffed = a.warn ? "yes" : "";
    take.disabled = !a.ok;
  }

  // --- 一票到底: more items on the one ticket (POST /tickets `also`; the rules: hallq.queue.issuing) ----
  // The list of the visit, in the order the items are served, shown before the number is taken; the
  // button that adds one, or says why none can be added.
  function drawVisit(first) {
    state.also = state.also.filter((code) => findService(code));  // an item gone from the hall leaves the list
    const box = $("visit");
    box.hidden = state.also.length === 0;
    const n = 1 + state.also.length;
    $("visit-title").textContent = fill(T().visit_title, {n});
    $("visit-list").innerHTML = [first, ...state.also.map(findService)].map((s, i) => {
      const why = i ? alsoWhyNot(s, true) : null;
      return `<li class="${why ? "refused" : ""}"><span class="n">${i + 1}.</span>
        <span class="text"><span class="name">${esc(s.name)}</span>${why ? `<span class="why">${esc(why)}</span>` : ""}</span>
        ${i ? `<button type="button" class="remove" data-visit-remove="${esc(s.code)}">${esc(T().visit_remove)}</button>`
            : `<span class="this">${esc(T().also_this)}</span>`}</li>`;
    }).join("");
    const add = $("also-add");
    const max = state.oneVisit.max_items;
    add.hidden = max < 2;
    const firstAlone = state.oneVisit.alone.includes(first.code);
    add.disabled = firstAlone || n >= max || !availability(first).ok;
    add.textContent = firstAlone ? T().also_first_alone : n >= max ? fill(T().also_full, {n: max}) : T().also_add;
  }

  // Why an item cannot go on this ticket, in the citizen's words; null when it can. The server checks the
  // same again when the number is taken (the quota may run out meanwhile) and refuses before printing.
  function alsoWhyNot(s, listed = false) {
    const words = (key) => fill(T()[key], {service: s.name});
    if (s.code === state.item || (!listed && state.also.includes(s.code))) return words("also_chosen_msg");
    if (state.oneVisit.alone.includes(s.code)) return words("also_alone_msg");
    if (!s.windows || !s.windows.length) return words("also_no_window_msg");
    if (s.quota_left === 0) return words("also_quota_msg");
    return null;
  }

  function alsoTile(s) {
    const chosen = s.code === state.item || state.also.includes(s.code);
    const why = chosen ? null : alsoWhyNot(s);
    const note = chosen ? T().also_chosen : why ? (state.oneVisit.alone.includes(s.code) ? T().also_alone
      : !s.windows || !s.windows.length ? T().no_window : T().quota_out) : T().also_ok;
    return `<button type="button" class="tile item${why || chosen ? " closed" : ""}" data-also="${esc(s.code)}">
      <span class="name">${esc(s.name)}</span>
      <span class="load">${esc(s.department)} · ${esc(loadText(s))}</span>
      <span class="avail ${why || chosen ? "no" : "ok"}">${esc(note)}</span>
    </button>`;
  }

  function drawAlso() {
    const left = state.oneVisit.max_items - 1 - state.also.length;
    $("also-hint").textContent = fill(T().also_hint, {n: Math.max(0, left)});
    const chips = [{code: "", name: T().all_departments}, ...state.departments];
    $("also-departments").innerHTML = chips.map((d) => `<button type="button" class="chip"
      data-also-department="${esc(d.code)}" aria-pressed="${(state.alsoDept || "") === d.code}">${esc(d.name)}</button>`).join("");
    const listed = state.services.filter((s) => s.code !== state.item && (!state.alsoDept || s.department_code === state.alsoDept));
    drawTiles("also", listed, "also-pager", "also-items", alsoTile);
  }

  function openAlso() {
    const first = findService(state.item);
    // The same department's other items first (most visits), or all when it has none.
    const near = first && state.services.some((s) => s.department_code === first.department_code && s.code !== first.code);
    state.alsoDept = near ? first.department_code : null;
    state.pages.also = 0;
    $("also-error").hidden = true;
    show("also");
  }

  function addAlso(code) {
    const s = findService(code);
    if (!s) return;
    const why = alsoWhyNot(s);
    if (why) {
      $("also-error").textContent = why;
      $("also-error").hidden = false;
      speak(why);
      return;
    }
    state.also.push(code);
    show("confirm", {quiet: true});  // the list shows it; a toast would cover the take button
    speak(fill(T().also_added, {service: s.name, n: 1 + state.also.length}));
  }

  // The one-time materials list (一次性告知) must be read whole before a number is taken: it is
  // set as large as its box allows (the elderly mode starts larger and may grow into the space
  // a short list leaves), in one column or two, never below a size read standing. Only a list
  // too long for that scrolls, and then a bar under it says how many there are and scrolls on a touch.
  const MATERIAL_SIZES = {normal: {start: 3.6, floor: 2.4}, elder: {start: 6.4, floor: 3.4}};  // vmin
  function fitMaterials(count) {
    const frame = document.querySelector("#screen-confirm .materials");
    const list = $("confirm-materials");
    const more = $("materials-more");
    const sizes = MATERIAL_SIZES[state.elder ? "elder" : "normal"];
    const fits = () => frame.scrollHeight <= frame.clientHeight + 1 && frame.scrollWidth <= frame.clientWidth + 1;
    more.hidden = true;
    frame.classList.remove("scrolls");
    frame.scrollTop = 0;
    let best = null;
    for (const columns of [1, 2]) {
      if (columns > 1 && count < 4) break;
      setColumns(list, columns, count);
      for (let size = sizes.start; size >= sizes.floor - 1e-9; size -= 0.2) {
        list.style.fontSize = `${size.toFixed(1)}vmin`;
        if (fits()) { if (!best || size > best.size + 0.3) best = {columns, size}; break; }
      }
    }
    if (best) {
      setColumns(list, best.columns, count);
      list.style.fontSize = `${best.size.toFixed(1)}vmin`;
      return;
    }
    setColumns(list, 1, count);
    list.style.fontSize = `${sizes.floor}vmin`;
    frame.classList.add("scrolls");
    more.hidden = false;
    drawMaterialsMore();
  }

  // Down the first column, then the second, as a printed list reads.
  function setColumns(list, columns, count) {
    list.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    list.style.gridTemplateRows = `repeat(${Math.max(1, Math.ceil(count / columns))}, auto)`;
  }

  function drawMaterialsMore() {
    const frame = document.querySelector("#screen-confirm .materials");
    const atEnd = frame.scrollTop + frame.clientHeight >= frame.scrollHeight - 1;
    const count = $("confirm-materials").children.length;
    $("materials-more").textContent = fill(atEnd ? T().materials_end : T().materials_more, {n: count});
  }

  // --- 办事指南 -------------------------------------------------------------------------
  function drawGuides() {
    $("guides-entry").classList.toggle("empty", !$("guides-input").value);
    const chips = [{code: "", name: T().all_departments}, ...state.departments];
    $("guide-departments").innerHTML = chips.map((d) => `<button type="button" class="chip"
      data-guide-department="${esc(d.code)}" aria-pressed="${(state.guideDept || "") === d.code}">${esc(d.name)}</button>`).join("");
    $("guides-list").innerHTML = paged("guides", state.guides, "guides-pager").map((g) => `
      <button type="button" class="tile guide" data-guide="${esc(g.code)}">
        <span class="name">${esc(g.name)}</span><span class="meta">${esc(g.department)}</span></button>`).join("");
    $("guides-none").hidden = state.guides.length > 0;
  }

  function drawGuide() {
    const g = state.guide;
    if (!g) return;
    $("guide-title").textContent = g.name;
    const value = (v) => Array.isArray(v) ? `<ol>${v.map((x) => `<li>${esc(x)}</li>`).join("")}</ol>` : esc(v);
    $("guide-body").innerHTML = `<dl>${g.sections.map((s) =>
      `<dt data-key="${esc(s.key)}">${esc(s.label)}</dt><dd data-key="${esc(s.key)}">${value(s.value)}</dd>`).join("")}</dl>`;
    const s = findService(g.code);
    $("guide-take").disabled = !s;
  }

  let guidesSeq = 0;
  async function loadGuides() {
    const q = $("guides-input").value.trim();
    const seq = ++guidesSeq;
    const args = new URLSearchParams();
    if (q) args.set("q", q);
    if (state.guideDept) args.set("department", state.guideDept);
    try {
      const r = await api("/kiosk/guides?" + args.toString());
      if (seq !== guidesSeq || r.status !== 200) return;  // a later keystroke's answer wins
      state.guides = r.data.guides;
      state.pages.guides = 0;
      if (state.screen === "guides") drawGuides();
    } catch (e) { /* keep the last list */ }
  }

  async function openGuide(code) {
    try {
      const r = await api("/kiosk/guides/" + encodeURIComponent(code));
      if (r.status !== 200) { toast(r.data.message || ""); return; }
      state.guide = r.data;
      show("guide");
      $("guide-body").scrollTop = 0;
    } catch (e) { toast(T().help_failed); }
  }

  async function printGuide() {
    if (!state.guide) return;
    try {
      const r = await api(`/kiosk/guides/${encodeURIComponent(state.guide.code)}/print`, {method: "POST"});
      if (r.status !== 202) { toast(r.data.message || T().guide_print_failed); return; }
      state.guideJobs[r.data.job] = true;
      const early = state.printResults[r.data.job];  // the agent may answer before this response arrives
      toast(early ? (early.state === "printed" ? T().guide_printed : T().guide_print_failed) : T().guide_printing);
      speak(T().guide_printing);
    } catch (e) { toast(T().guide_print_failed); }
  }

  function drawPrinter() {
    $("printer-message").textContent = fill(T().printer_out, {state: stateName(state.printer.state)});
  }

  function drawGreenBanner() {
    const b = $("green-banner");
    b.hidden = !state.green || !ISSUING_SCREENS.includes(state.screen);
    if (state.green) b.textContent = fill(T().green_banner, {id: state.green.masked});
  }

  function speakScreen(name) {
    if (!state.elder) return;
    const t = T();
    const names = (list) => list.map((x) => x.name).join("，");
    if (name === "start") {
      const depts = state.shown.departments || [];
      speak(fill(t.speak_start, {n: depts.length, names: names(depts)}));
    } else if (name === "items" && state.department) {
      speak(fill(t.speak_items, {department: state.department.name,
        names: names(state.shown.items || [])}));
    } else if (name === "confirm") {
      const s = findService(state.item);
      if (s) speak((s.staffed === false ? unstaffedWarning(s) + " " : "") + fill(t.speak_confirm, {item: s.name,
        n: s.waiting, materials: ((s.guide && s.guide.materials) || []).join("，") || t.no_materials}));
    } else if (name === "also") speak(fill(t.speak_also, {names: names(state.shown.also || [])}));
    else if (name === "printing") speak(t.speak_printing);
    else if (name === "green") speak(t.speak_green);
    else if (name === "checkin") speak(t.speak_checkin);
    else if (name === "returning") speak(t.speak_returning);
    else if (name === "printer") speak(t.speak_printer_out);
    else if (name === "guide" && state.guide) speak(state.guide.name);
  }

  // --- the printer -------------------------------------------------------------------
  function printerReady() { return WORKING.includes(state.printer.state); }

  function setPrinter(code, detail) {
    const was = printerReady();
    state.printer = {state: code, detail};
    drawHeader();
    if (!printerReady() && ISSUING_SCREENS.includes(state.screen)) show("printer");
    else if (printerReady() && !was && state.screen === "printer") show("start");
    else if (state.screen === "printer") drawPrinter();
  }

  // --- taking a number ---------------------------------------------------------------
  async function take(service, extra = {}) {
    if (!printerReady()) { show("printer"); return; }
    $("printing-number").textContent = "";
    state.ticket = null;
    state.job = null;
    show("printing");
    let r;
    try {
      r = await api("/tickets", {method: "POST", body: {service, print: true, ...extra}});
    } catch (e) {
      refused({message: T().network_error});
      return;
    }
    if (r.status === 201) {
      state.ticket = r.data;
      state.job = r.data.print ? r.data.print.job : null;
      $("printing-number").textContent = r.data.number;
      const early = state.printResults[state.job];  // the agent may answer before this response arrives
      if (early) { settle(early); return; }
      clearTimeout(state.printTimer);
      const job = state.job;
      state.printTimer = setTimeout(() => {
        if (state.job === job && state.screen === "printing") showFailed();
      }, PRINT_WAIT_MS);
      return;
    }
    if (r.data.error === "printer_not_ready") {
      setPrinter(r.data.state || "unknown", null);
      refreshState();
      show("printer");
      return;
    }
    if (r.data.error === "appointment_unknown" && extra.appointment_code) {
      checkinAgain(r.data, extra.appointment_code);
      return;
    }
    refused(r.data, {service, extra});
  }

  function settle(result) {
    if (!state.ticket || result.job !== state.job) return;
    clearTimeout(state.printTimer);
    if (result.state === "printed") showDone();
    else if (result.state === "failed") showFailed();
  }

  function ticketFacts(t) {
    const parts = [`${t.service_name}`];
    const later = (t.next_services || []).map((s) => s.name);
    if (later.length) parts.push(fill(T().then_items, {names: later.join("、")}));
    if (t.windows && t.windows.length) parts.push(fill(T().windows, {windows: t.windows.join("、")}));
    parts.push(t.ahead ? fill(T().ahead_eta, {n: t.ahead, m: minutes(t.estimated_wait_s)}) : T().nobody_ahead);
    return parts.map((p) => `<span>${esc(p)}</span>`).join("");
  }

  function showDone() {
    const t = state.ticket;
    $("done-number").textContent = t.number;
    $("done-facts").innerHTML = ticketFacts(t);
    $("done-hint").textContent = T().take_ticket_hint;
    forgetPerson();
    show("done", {quiet: true});
    speak(fill(T().speak_done, {number: spokenNumber(t.number)}));
  }

  // --- text reminders for the ticket just taken (hallq.queue.notify) ------------------------
  function drawNotify() {
    const t = state.ticket;
    $("notify-offer").hidden = !(state.notify && t && !state.notified);
    $("done-notify").hidden = !state.notified;
    $("done-notify").textContent = state.notified ? fill(T().notify_done, {phone: state.notified}) : "";
    if (t) $("phone-for").textContent = fill(T().notify_for, {number: t.number});
  }

  function offerNotify() {
    $("phone-input").value = "";
    $("phone-error").hidden = true;
    show("phone");
  }

  async function submitPhone() {
    const phone = $("phone-input").value.replace(/\D/g, "");
    if (!/^1\d{10}$/.test(phone)) { phoneError(T().notify_bad); return; }
    let r;
    try {
      r = await api(`/kiosk/tickets/${state.ticket.id}/phone`, {method: "POST", body: {phone}});
    } catch (e) {
      phoneError(T().network_error);
      return;
    }
    if (r.status !== 200) { phoneError(r.data.message || T().network_error); return; }
    state.notified = r.data.phone;  // masked: the whole number leaves the screen now
    $("phone-input").value = "";
    show("done", {quiet: true});
    speak(fill(T().notify_done, {phone: state.notified}));
  }

  function phoneError(text) {
    $("phone-error").textContent = text;
    $("phone-error").hidden = false;
  }

  function showFailed() {
    const t = state.ticket;
    $("failed-number").textContent = t.number;
    $("failed-facts").innerHTML = ticketFacts(t);
    $("failed-qr").src = `/t/${encodeURIComponent(t.token)}/qr.svg`;
    forgetPerson();
    show("failed", {quiet: true});
    speak(fill(T().speak_failed, {number: spokenNumber(t.number)}));
  }

  // "A001" is read "A 0 0 1" by most voices; spaced digits make that sure.
  const spokenNumber = (n) => String(n).split("").join(" ");

  function refused(answer, retry) {
    $("refused-title").textContent = T().refused;
    $("refused-message").textContent = answer.message || T().network_error;
    // Closed or closing: the hours say when to come back; anything else: where to ask.
    $("refused-hint").textContent = ["hall_closed", "closing_soon"].includes(answer.error)
      ? $("hours").textContent : T().refused_hint;
    if (answer.error) refreshState();  // the hall's state changed under this screen: catch up
    const alt = $("refused-alternative");
    alt.hidden = true;
    // Where a normal number is still possible, offer it at once.
    const normalInstead = ["green_not_allowed", "appointment_too_late", "appointment_wrong_service"];
    if (retry && normalInstead.includes(answer.error)) {
      alt.hidden = false;
      alt.textContent = T().take_normal;
      alt.onclick = () => {
        forgetPerson();
        take(retry.service, {unstaffed_ok: false, ...(retry.extra.also ? {also: retry.extra.also} : {})});
      };
    } else if (retry && answer.error === "service_unstaffed") {
      // The last window left while the citizen was choosing: told now, they may still take it.
      alt.hidden = false;
      alt.textContent = T().take_anyway;
      alt.onclick = () => take(retry.service, {...retry.extra, unstaffed_ok: true});
    } else if (retry && String(answer.error).startsWith("one_visit_")) {
      // An item of the visit cannot ride on the number (its quota ran out meanwhile): back to the list.
      alt.hidden = false;
      alt.textContent = T().also_fix;
      alt.onclick = () => { if (window.hallqKiosk.socket) window.hallqKiosk.socket.emit("snapshot"); show("confirm"); };
    } else if (answer.error === "quota_exhausted") {
      // The message names the next working day; one with a booking can check in here and now.
      alt.hidden = false;
      alt.textContent = T().quota_checkin;
      alt.onclick = () => { $("checkin-choices").hidden = true; show("checkin"); };
    }
    show("refused", {quiet: true});
    speak(fill(T().speak_refused, {message: answer.message || T().network_error}));
  }

  function forgetPerson() {
    state.green = null;
    state.appointment = null;
    state.checkinChoices = null;
    ["green-input", "checkin-input", "returning-input"].forEach((id) => { $(id).value = ""; });
    drawMasked();
  }

  // --- ID numbers (elderly channel) and appointment check-in -------------------------
  const ID_LIKE = /^[0-9]{6,17}[0-9Xx]?$/;

  function maskId(value) {
    // The hall's rule: first 3 and last 4 only, whatever has been typed so far.
    return value.split("").map((c, i) => (i < 3 || i >= 14 ? c : "•")).join("");
  }

  function drawMasked() {
    $("green-shown").textContent = maskId($("green-input").value);
    const code = $("checkin-input").value;
    $("checkin-shown").textContent = ID_LIKE.test(code) ? maskId(code) : code;
    const back = $("returning-input").value;
    $("returning-shown").textContent = ID_LIKE.test(back) ? maskId(back) : back;
  }

  function validId(raw) {
    const v = raw.trim().toUpperCase();
    if (!/^[0-9]{17}[0-9X]$/.test(v)) return null;
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = weights.reduce((n, w, i) => n + w * Number(v[i]), 0);
    if ("10X98765432"[sum % 11] !== v[17]) return null;
    const born = new Date(Date.UTC(+v.slice(6, 10), +v.slice(10, 12) - 1, +v.slice(12, 14)));
    if (born.getUTCMonth() !== +v.slice(10, 12) - 1) return null;
    return v;
  }

  function ageToday(id) {
    const tz = (state.hall && state.hall.timezone) || "Asia/Shanghai";
    const [y, m, d] = new Intl.DateTimeFormat("en-CA", {timeZone: tz}).format(
      new Date(Date.now() + state.serverOffset)).split("-").map(Number);
    const by = +id.slice(6, 10), bm = +id.slice(10, 12), bd = +id.slice(12, 14);
    return y - by - ((m < bm || (m === bm && d < bd)) ? 1 : 0);
  }

  function submitGreen() {
    const id = validId($("green-input").value);
    const error = $("green-error");
    if (!id) {
      error.textContent = T().id_invalid;
      error.hidden = false;
      speak(T().id_invalid);
      return;
    }
    error.hidden = true;
    $("green-input").value = "";
    drawMasked();
    if (ageToday(id) < state.greenAge) {
      // The engine would refuse too (green_not_allowed); say it here without sending the number.
      refused({message: fill(T().green_too_young, {age: state.greenAge})});
      const alt = $("refused-alternative");
      alt.hidden = false;
      alt.textContent = T().take_normal;
      alt.onclick = () => show("start");
      return;
    }
    state.green = {id, masked: maskId(id)};
    show("start");
  }

  async function submitCheckin(raw) {
    const value = (raw ?? $("checkin-input").value).trim();
    if (!value) return;
    $("checkin-input").value = "";
    drawMasked();
    const byId = /^[0-9]{17}[0-9Xx]$/.test(value);
    let r;
    try {
      r = await api("/kiosk/appointments/find", {method: "POST",
        body: byId ? {id_number: value} : {code: value}});
    } catch (e) {
      refused({message: T().network_error});
      return;
    }
    if (r.status === 404) { checkinAgain(r.data, value); return; }
    if (r.status !== 200) { refused(r.data); return; }
    $("checkin-error").hidden = true;
    const found = r.data.appointments;
    const idNumber = byId ? value : null;
    if (found.length === 1) { checkIn(found[0], idNumber); return; }
    state.checkinChoices = {found, idNumber};
    $("checkin-choices").hidden = false;
    $("checkin-list").innerHTML = found.map((a, i) => `<button type="button" class="tile item${a.in_slot ? "" : " closed"}"
      data-choice="${i}"><span class="name">${esc(a.service_name)}</span><span class="load">${esc(a.slot)}</span>
      <span class="avail ${a.in_slot ? "ok" : "no"}">${esc(a.in_slot ? a.department : T().appointment_not_now)}</span></button>`).join("");
    speak(T().appointment_choose + "：" + found.map((a) => a.service_name).join("，"));
  }

  // A code not found is most often a typing slip: say so where it was typed, keep it there to correct.
  function checkinAgain(answer, value) {
    show("checkin", {quiet: true});
    const error = $("checkin-error");
    error.textContent = answer.message || T().network_error;  // "……请核对后重试"
    error.hidden = false;
    $("checkin-input").value = value;
    drawMasked();
    $("checkin-input").focus();
    speak(error.textContent);
  }

  function checkIn(appt, idNumber) {
    state.appointment = appt;
    $("checkin-choices").hidden = true;
    // A booked citizen is told too when no window serves the item now (the refusal offers to take it anyway).
    const extra = {priority: "appointment", appointment_code: appt.code, unstaffed_ok: false};
    if (idNumber) extra.id_number = idNumber;
    take(appt.service, extra);
  }

  // --- a citizen back for their case: no new place at the back (hallq.cases.returning) ---
  async function submitReturning() {
    const value = $("returning-input").value.trim();
    if (!value) return;
    const byId = /^[0-9]{17}[0-9Xx]$/.test(value);
    let r;
    try {
      r = await api("/kiosk/returns", {method: "POST", body: byId ? {id_number: value} : {scanned: value}});
    } catch (e) {
      r = {status: 0, data: {message: T().network_error}};
    }
    $("returning-input").value = "";
    drawMasked();
    if (r.status !== 201) {
      const error = $("returning-error");
      error.textContent = r.data.message || T().network_error;
      error.hidden = false;
      speak(error.textContent);
      return;
    }
    const t = r.data;
    $("returning-error").hidden = true;
    $("returned-number").textContent = t.number;
    $("returned-facts").innerHTML = `<span>${esc(t.service_name)}</span>`;
    $("returned-qr").src = `/t/${encodeURIComponent(t.token)}/qr.svg`;
    $("returned-go").textContent = fill(T().returning_done, {window: t.windows[0]});
    forgetPerson();
    show("returned", {quiet: true});
    speak(fill(T().speak_returning_done, {number: spokenNumber(t.number), window: t.windows[0]}));
  }

  // --- the on-screen keyboard --------------------------------------------------------
  function buildKeyboards() {
    document.querySelectorAll(".keyboard").forEach((kb) => {
      const rows = kb.classList.contains("phone") ? ["123", "456", "789", "0"]
        : kb.classList.contains("digits") ? ["123", "456", "789", "X0"]
        : ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
      kb.innerHTML = rows.map((row) => `<div class="row">${row.split("").map((k) =>
        `<button type="button" class="key" data-key="${k}">${k.toUpperCase()}</button>`).join("")}</div>`).join("") +
        `<div class="row"><button type="button" class="key wide" data-key="Backspace" data-t="delete"></button>
         <button type="button" class="key wide" data-key="Clear" data-t="clear"></button></div>`;
      kb.addEventListener("click", (e) => {
        const key = e.target.closest(".key");
        if (!key) return;
        const input = $(kb.dataset.for);
        if (key.dataset.key === "Backspace") input.value = input.value.slice(0, -1);
        else if (key.dataset.key === "Clear") input.value = "";
        else input.value += key.dataset.key;
        input.dispatchEvent(new Event("input"));
        input.focus();
      });
    });
  }

  let searchTimer = null, searchSeq = 0;
  async function runSearch() {
    const q = $("search-input").value.trim();
    const seq = ++searchSeq;
    if (!q) { state.results = []; drawSearch(); return; }
    try {
      const r = await api("/kiosk/search?q=" + encodeURIComponent(q));
      if (seq !== searchSeq || r.status !== 200) return;  // a later keystroke's answer wins
      state.results = r.data.services;
      drawSearch();
    } catch (e) { /* keep the last results */ }
  }

  // --- help --------------------------------------------------------------------------
  async function callForHelp() {
    if (Date.now() - state.helpAt < HELP_REPEAT_MS) { toast(T().help_sent); return; }
    try {
      const r = await api("/kiosk/help", {method: "POST", body: {screen: state.screen}});
      if (r.status !== 200) throw new Error("HTTP " + r.status);
      state.helpAt = Date.now();
      state.helpAlert = r.data.alert;  // the stored alert: the duty manager's acknowledgement names it
      toast(T().help_sent);
      speak(T().speak_help);
    } catch (e) {
      toast(T().help_failed);
    }
  }

  /** The duty manager acknowledged this kiosk's call for help: tell the citizen someone is coming (once). */
  function helpComing(alert) {
    if (!alert || alert !== state.helpAlert) return;
    state.helpAlert = null;
    toast(T().help_coming);
    speak(T().speak_help_coming);
  }

  let toastTimer = null;
  function toast(text) {
    const el = $("toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 8000);
  }

  // --- idle: back to the start for the next citizen ----------------------------------
  function reset() {
    forgetPerson();
    clearTimeout(state.printTimer);
    state.ticket = null;
    state.job = null;
    state.item = null;
    state.also = [];
    state.alsoDept = null;
    state.department = null;
    state.pages = {};
    state.results = [];
    $("search-input").value = "";
    $("guides-input").value = "";
    state.guides = [];
    state.guideDept = null;
    state.guide = null;
    $("checkin-choices").hidden = true;
    $("green-error").hidden = true;
    $("checkin-error").hidden = true;
    $("phone-input").value = "";
    $("phone-error").hidden = true;
    state.notified = null;
    $("toast").hidden = true;
    voice.stop();
    setElder(false);
    state.lang = PAGE_LANG;
    applyText();
    show("start", {quiet: true});
  }

  function checkIdle() {
    tickClock();
    const resting = ["start", "printer", "setup", "printing"].includes(state.screen);
    if (resting) { $("idle").hidden = true; return; }
    const limit = state.screen === "done" ? DONE_MS : IDLE_MS;
    const left = limit - (Date.now() - state.lastTouch);
    if (left <= 0) { reset(); return; }
    const el = $("idle");
    el.hidden = left > IDLE_WARN_MS;
    el.textContent = fill(T().idle_back, {s: Math.ceil(left / 1000)});
  }

  function setElder(on) {
    state.elder = on;
    document.body.classList.toggle("elder", on);
    state.pages = {};
    forgetFit();
    if (!on) voice.stop();
    applyText();
  }

  // --- setup -------------------------------------------------------------------------
  function needSetup(bad) {
    $("setup-error").hidden = !bad;
    state.kiosk = null;
    document.body.classList.remove("starting");
    show("setup", {quiet: true});
  }

  // --- events from the person ----------------------------------------------------------
  function wire() {
    ["pointerdown", "keydown", "input"].forEach((name) =>
      document.addEventListener(name, () => { state.lastTouch = Date.now(); $("idle").hidden = true; }, true));

    document.addEventListener("click", (e) => {
      const el = e.target.closest("button");
      if (!el) return;
      if (el.dataset.go) { if (el.dataset.go === "start" && ["done", "failed", "refused"].includes(state.screen)) reset(); else show(el.dataset.go); return; }
      if (el.dataset.guideDepartment !== undefined) {
        state.guideDept = el.dataset.guideDepartment || null;
        drawGuides();
        loadGuides();
        return;
      }
      if (el.dataset.guide) { openGuide(el.dataset.guide); return; }
      if (el.dataset.department) {
        state.department = state.departments.find((d) => d.code === el.dataset.department);
        state.pages.items = 0;
        show("items");
        return;
      }
      if (el.dataset.service) {
        state.itemFrom = state.screen;
        if (state.item !== el.dataset.service) state.also = [];  // another first item: another visit list
        state.item = el.dataset.service;
        show("confirm");
        return;
      }
      if (el.dataset.also) { addAlso(el.dataset.also); return; }
      if (el.dataset.alsoDepartment !== undefined) {
        state.alsoDept = el.dataset.alsoDepartment || null;
        state.pages.also = 0;
        $("also-error").hidden = true;
        drawAlso();
        return;
      }
      if (el.dataset.visitRemove) {
        state.also = state.also.filter((code) => code !== el.dataset.visitRemove);
        forgetFit();
        drawConfirm();
        return;
      }
      if (el.dataset.choice !== undefined && state.checkinChoices) {
        checkIn(state.checkinChoices.found[Number(el.dataset.choice)], state.checkinChoices.idNumber);
        return;
      }
      const pager = el.closest(".pager");
      if (pager) turnPage(pager.id.replace("-pager", ""), el.classList.contains("next") ? 1 : -1);
    });

    $("confirm-back").addEventListener("click", () => show(state.itemFrom || "start"));
    $("take").addEventListener("click", () => {
      const extra = state.green ? {priority: "green", reason: "elderly", id_number: state.green.id} : {};
      // Pressed under the "no window serving" warning, the press is the citizen's confirmation; otherwise
      // the server refuses if the last window left meanwhile, and the citizen is told then.
      extra.unstaffed_ok = $("take").dataset.unstaffed === "yes";
      if (state.also.length) extra.also = [...state.also];
      take(state.item, extra);
    });
    $("also-add").addEventListener("click", openAlso);
    $("search-open").addEventListener("click", () => { state.results = []; $("search-input").value = ""; show("search"); });
    $("guides-open").addEventListener("click", () => {
      $("guides-input").value = "";
      state.guideDept = null;
      show("guides");
      loadGuides();
    });
    let guidesTimer = null;
    $("guides-input").addEventListener("input", () => {
      drawGuides();
      clearTimeout(guidesTimer);
      guidesTimer = setTimeout(loadGuides, 120);
    });
    $("guide-print").addEventListener("click", printGuide);
    // A long materials list: the bar under it turns its page, to the end and back to the top.
    $("materials-more").addEventListener("click", () => {
      const frame = document.querySelector("#screen-confirm .materials");
      const atEnd = frame.scrollTop + frame.clientHeight >= frame.scrollHeight - 1;
      frame.scrollTo({top: atEnd ? 0 : frame.scrollTop + frame.clientHeight * 0.8});
    });
    document.querySelector("#screen-confirm .materials").addEventListener("scroll", drawMaterialsMore);
    $("guide-take").addEventListener("click", () => {
      state.itemFrom = "guide";
      if (state.item !== state.guide.code) state.also = [];
      state.item = state.guide.code;
      show("confirm");
    });
    $("search-input").addEventListener("input", () => {
      drawSearch();
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 120);
    });
    $("go-checkin").addEventListener("click", () => { $("checkin-choices").hidden = true; show("checkin"); });
    $("go-returning").addEventListener("click", () => { $("returning-error").hidden = true; show("returning"); });
    $("returning-input").addEventListener("input", drawMasked);
    $("returning-input").addEventListener("keydown", (e) => { if (e.key === "Enter") submitReturning(); });
    $("returning-go").addEventListener("click", () => submitReturning());
    $("go-green").addEventListener("click", () => { if (!state.elder) setElder(true); show("green"); });
    $("help").addEventListener("click", callForHelp);
    window.addEventListener("resize", () => { forgetFit(); redraw(); });  // a kiosk turned, or its browser resized
    $("elder-toggle").addEventListener("click", () => { setElder(!state.elder); redraw(); speakScreen(state.screen); });
    $("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "en" ? "zh" : "en";
      forgetFit();  // English names wrap differently
      applyText();
      redraw();
      if (state.screen === "search") runSearch();
      speakScreen(state.screen);
    });
    $("green-input").addEventListener("input", drawMasked);
    $("checkin-input").addEventListener("input", drawMasked);
    $("green-input").addEventListener("keydown", (e) => { if (e.key === "Enter") submitGreen(); });
    $("checkin-input").addEventListener("keydown", (e) => { if (e.key === "Enter") submitCheckin(); });
    $("green-go").addEventListener("click", submitGreen);
    $("notify-offer").addEventListener("click", offerNotify);
    $("phone-go").addEventListener("click", submitPhone);
    $("phone-input").addEventListener("keydown", (e) => { if (e.key === "Enter") submitPhone(); });
    $("phone-input").addEventListener("input", () => { $("phone-error").hidden = true; });
    $("checkin-go").addEventListener("click", () => submitCheckin());
    $("setup-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const value = $("setup-token").value.trim();
      if (!value) return;
      localStorage.setItem(STORE, value);
      $("setup-token").value = "";
      location.reload();
    });

    // A scanner or ID reader types fast and ends with Enter, wherever the focus is:
    // on a screen without an input, what it typed is an appointment code (or an ID number).
    let typed = "";
    document.addEventListener("keydown", (e) => {
      if (e.target.tagName === "INPUT") return;
      if (e.key === "Enter") {
        const value = typed;
        typed = "";
        if (value.length >= 4 && ISSUING_SCREENS.includes(state.screen)) {
          if (state.screen === "green") { $("green-input").value = value; submitGreen(); }
          else { show("checkin", {quiet: true}); submitCheckin(value); }
        }
      } else if (e.key.length === 1) {
        typed = (typed + e.key).slice(-64);
      }
    });
  }

  // --- the connection ----------------------------------------------------------------
  function connect() {
    const socket = P.connect(token, state, {connected: refreshState,
                                            refused: (unauthorized) => { if (unauthorized) needSetup(true); }});
    window.hallqKiosk.socket = socket;
    socket.on("snapshot", (s) => {
      state.services = s.services || [];
      if (!state.hall && s.hall) state.hall = s.hall;
      redraw();
    });
    socket.on("queue.stats", (e) => {
      const s = findService(e.service);
      if (!s) return;
      s.waiting = e.waiting;
      s.estimated_wait_s = e.estimated_wait_s;
      redraw();
    });
    socket.on("ticket.issued", (e) => {
      const s = findService(e.service);
      if (s && s.quota_left != null) {
        s.quota_left = Math.max(0, s.quota_left - 1);
        if (s.quota_left === 0) s.open = false;
        redraw();
      }
    });
    // A window signed in, out, paused or resumed: whether each item is served changed; read it again.
    socket.on("window.status", () => socket.emit("snapshot"));
    socket.on("print.result", (e) => {
      state.printResults[e.job] = e;
      if (state.guideJobs[e.job]) toast(e.state === "printed" ? T().guide_printed : T().guide_print_failed);
      if (state.ticket && e.job === state.job) {
        if (state.screen === "printing") settle(e);
        else if (state.screen === "failed" && e.state === "printed") showDone();  // late, but it came out
      }
    });
    socket.on("kiosk.help.acknowledged", (e) => helpComing(e.alert));
    socket.on("device.status", (e) => {
      if (e.kind === "printer" && e.name === state.kiosk) setPrinter(e.state, e.detail);
    });
    setInterval(() => { if (socket.connected) socket.emit("snapshot"); }, RESYNC_MS);
  }

  window.hallqKiosk = {state, socket: null, reset, speak: (t) => voice.say(t)};
  buildKeyboards();
  applyText();
  wire();
  setInterval(checkIdle, 1000);
  if (!token) {
    needSetup(false);
    return;
  }
  show("start", {quiet: true});
  refreshState();
  setInterval(refreshState, STATE_POLL_MS);
  connect();
})();
