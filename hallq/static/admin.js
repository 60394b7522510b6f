/* The admin pages (/admin/): each tab reads its list from /api/v1/admin and saves through it.
 * The server checks everything by the hall file's rules; its refusals are shown as they come
 * (in the page's language). Passwords and device tokens are shown once, as the API answers them.
 */
"use strict";
(() => {
  const {$, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.staff.token", showSignin);
  const {api} = session;
  const lines = (text) => text.split(/[\n,，]/).map((s) => s.trim()).filter(Boolean);
  const msg = (text, kind = "ok") => say($("msg"), text, kind);
  window.hallqAdmin = {ready: false};
  const st = {departments: [], windows: [], staff: [], official: {}, displays: []};
  let TZ = "Asia/Shanghai";  // until GET /me tells the hall's own zone: times are the hall's
  const LOCALE = document.body.dataset.lang === "en" ? "en-GB" : "zh-CN";
  const when = (iso) => new Date(iso).toLocaleString(LOCALE, {timeZone: TZ, hour12: false, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});

  function showSignin() {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("logout").hidden = true;
  }

  async function start() {
    const me = await api("GET", "/me");
    if (!me.ok) return showSignin();
    if (me.data.role !== "admin") {
      showSignin();
      return say($("login-msg"), t("forbidden_page"), "error");
    }
    $("signin").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = me.data.username || "";
    TZ = me.data.hall?.timezone || TZ;
    show(location.hash.slice(1) || "hall");
  }

  // --- tabs ---------------------------------------------------------------------------

  const LOAD = {hall: loadHall, departments: loadDepartments, windows: loadWindows, staff: loadStaff,
                accounts: loadAccounts, tokens: loadTokens, changes: loadChanges};

  async function show(tab) {
    if (!LOAD[tab]) tab = "hall";
    for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", b.dataset.tab === tab);
    for (const p of document.querySelectorAll("[data-pane]")) p.hidden = p.dataset.pane !== tab;
    history.replaceState(null, "", "#" + tab);
    window.hallqAdmin.ready = false;
    await LOAD[tab]();
    window.hallqAdmin.ready = tab;
  }

  /** A call that changes something: the refusal or `done` said above the tab, and the tab read again. */
  async function change(method, path, body, done = t("saved")) {
    const r = await api(method, path, body);
    if (!r.ok) {
      msg(r.data?.message || String(r.status), "error");
      return null;
    }
    msg(done);
    return r;
  }

  function table(id, head, rows) {
    $(id).innerHTML = `<tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>` +
      rows.map((cells) => `<tr>${cells.map((c) => `<td${c?.cls ? ` class="${c.cls}"` : ""}>${c?.html ?? esc(c)}</td>`).join("")}</tr>`).join("");
  }
  const button = (label, action, key) => ({html: `<button type="button" class="small" data-action="${action}" data-key="${esc(key)}">${esc(label)}</button>`});
  const buttons = (...list) => ({html: list.map((b) => b.html).join(" ")});

  function fill(form, values) {
    for (const [k, v] of Object.entries(values)) if (form.elements[k]) form.elements[k].value = v ?? "";
  }

  function departmentOptions(select) {
    select.innerHTML = `<option value="">${esc(t("none"))}</option>` +
      st.departments.map((d) => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join("");
  }

  // --- the hall -----------------------------------------------------------------------

  async function loadHall() {
    const r = await api("GET", "/admin/hall");
    if (!r.ok) return msg(r.data?.message, "error");
    const h = r.data;
    $("hall-name").textContent = h.name;
    fill($("hall-form"), {name: h.name, timezone: h.timezone, notice: h.notice,
      sessions: h.hours.sessions.map(([a, b]) => `${a.slice(0, 5)}-${b.slice(0, 5)}`).join("\n"),
      holidays: h.hours.holidays.join("\n"), workdays: h.hours.workdays.join("\n"),
      weekdays: Object.entries(h.hours.weekdays || {}).map(([day, list]) =>
        [day, ...list.map(([a, b]) => `${a.slice(0, 5)}-${b.slice(0, 5)}`)].join(" ")).join("\n"),
      template: h.voice.template, template_en: h.voice.template_en,
      followup_working_days: h.ratings.followup_working_days, reply_working_days: h.complaints.reply_working_days,
      request_seconds: h.ratings.request_seconds, qr_days: h.ratings.qr_days,
      unrated_counts_as: String(h.ratings.unrated_counts_as),
      prepare_next: h.prepare_next ? "yes" : "no", supervision_phone: h.public_info.supervision_phone,
      complaint_channels: h.public_info.complaint_channels.join("\n")});
    st.official = h.hours.official || {};
    st.displays = h.displays || [];
    const yesNo = (v) => v == null ? t("as_hall") : t(v ? "yes" : "no");
    table("displays", [t("display_name"), t("display_title"), t("display_kind"), t("department"), t("display_windows"),
                       t("display_items"), t("display_audio"), t("prepare_next"), ""], st.displays.map((d) =>
      [d.name, d.title, t("kind_" + d.kind), d.department || "", d.windows.join(", "), d.items.join(", "),
       t(d.audio ? "yes" : "no"), yesNo(d.prepare_next), button(t("edit"), "edit-display", d.name)]));
    table("calendar", [t("year"), t("source"), t("official_holidays"), t("official_workdays"), ""], h.calendar.map((y) =>
      [y.year, {cls: "source-" + y.source, html: esc(t("source_" + y.source))},
       {html: `<details><summary>${esc(t("n_days", {n: y.holidays.length}))}</summary>${esc(y.holidays.join(" "))}</details>`},
       y.workdays.join(" "), y.source === "library" ? "" : button(t("edit"), "edit-year", y.year)]));
    await loadSchemes();
  }

  async function loadSchemes() {
    const r = await api("GET", "/assessment/schemes");
    if (!r.ok) return msg(r.data?.message, "error");
    const presets = $("scheme-form").elements.preset;
    if (!presets.options.length) presets.innerHTML = r.data.presets.map((p) => `<option>${esc(p)}</option>`).join("");
    // Each version: the scheme a scope is assessed by from its month on (the one in force marked).
    table("schemes", [t("scope"), t("preset"), t("from_month"), t("changed_by"), ""], r.data.versions.map((v) =>
      [t("scope_" + v.scope), v.preset, v.from_month || t("since_start"), v.changed_by,
       r.data.in_force[v.scope]?.preset === v.preset && r.data.in_force[v.scope]?.from_month === v.from_month
         ? {cls: "in-force", html: esc(t("in_force"))} : ""]));
    if (!r.data.versions.length) {
      table("schemes", [t("scope"), t("preset"), t("from_month"), t("changed_by"), ""],
        Object.entries(r.data.schemes).map(([scope, s]) => [t("scope_" + scope), s.preset, t("since_start"), "",
                                                             {cls: "in-force", html: esc(t("in_force"))}]));
    }
  }

  const dayLines = (text) => lines(text).map((s) => s.replace(/[./]/g, "-"));

  $("official-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const official = {...st.official, [f.year.value]: {holidays: dayLines(f.holidays.value), workdays: dayLines(f.workdays.value)}};
    if (await change("POST", "/admin/hall", {hours: {official}})) { e.target.reset(); loadHall(); }
  });

  $("official-remove").addEventListener("click", async () => {
    const f = $("official-form").elements;
    const official = {...st.official};
    delete official[f.year.value];
    if (await change("POST", "/admin/hall", {hours: {official}})) { $("official-form").reset(); loadHall(); }
  });

  // Display profiles: the hall keeps them as one list, so each change sends the whole list.
  $("display-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const profile = {name: f.name.value.trim(), title: f.title.value.trim(), kind: f.kind.value,
      department: f.department.value.trim() || null, windows: lines(f.windows.value).map(Number),
      items: lines(f.items.value), audio: f.audio.value === "yes",
      prepare_next: f.prepare_next.value === "" ? null : f.prepare_next.value === "yes"};
    const at = st.displays.findIndex((d) => d.name === profile.name);  // an edit keeps its place in the list
    const displays = at < 0 ? [...st.displays, profile] : st.displays.map((d, i) => (i === at ? profile : d));
    if (await change("POST", "/admin/hall", {displays})) { e.target.reset(); loadHall(); }
  });

  $("display-remove").addEventListener("click", async () => {
    const name = $("display-form").elements.name.value.trim();
    const displays = st.displays.filter((d) => d.name !== name);
    if (displays.length !== st.displays.length && await change("POST", "/admin/hall", {displays})) {
      $("display-form").reset();
      loadHall();
    }
  });

  $("scheme-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    if (await change("POST", "/assessment/schemes", {scope: f.scope.value, preset: f.preset.value,
                                                     from_month: f.from_month.value})) loadSchemes();
  });

  $("hall-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const sessions = lines(f.sessions.value).map((s) => s.split(/\s*[-–~]\s*/));
    // "fri 09:00-12:00 14:00-17:00" a line; a weekday alone closes it.
    const weekdays = Object.fromEntries(f.weekdays.value.split("\n").map((l) => l.trim().split(/\s+/)).filter((p) => p[0])
      .map(([day, ...spans]) => [day.toLowerCase(), spans.map((s) => s.split(/[-–~]/))]));
    const body = {name: f.name.value.trim(), timezone: f.timezone.value.trim(), notice: f.notice.value,
      hours: {sessions, weekdays, holidays: lines(f.holidays.value), workdays: lines(f.workdays.value)},
      voice: {template: f.template.value.trim() || null, template_en: f.template_en.value.trim() || null},
      ratings: {followup_working_days: Number(f.followup_working_days.value), request_seconds: Number(f.request_seconds.value),
                qr_days: Number(f.qr_days.value),
                unrated_counts_as: f.unrated_counts_as.value === "not_counted" ? "not_counted" : Number(f.unrated_counts_as.value)},
      complaints: {reply_working_days: Number(f.reply_working_days.value)},
      prepare_next: f.prepare_next.value === "yes",
      public_info: {supervision_phone: f.supervision_phone.value.trim(),
                    complaint_channels: f.complaint_channels.value.split("\n").map((s) => s.trim()).filter(Boolean)}};
    if (await change("POST", "/admin/hall", body)) loadHall();
  });

  // --- departments --------------------------------------------------------------------

  async function loadDepartments() {
    const r = await api("GET", "/admin/departments");
    if (!r.ok) return msg(r.data?.message, "error");
    st.departments = r.data;
    table("departments", [t("code"), t("name"), t("chief"), t("authorisation"), ""], r.data.map((d) =>
      [d.code, d.name, d.chief || "",
       {cls: "authorisation", html: `${esc(d.authorisation || "")}${d.authorisation_image
         ? `<br><a href="#" data-action="show-authorisation" data-key="${esc(d.code)}">${esc(t("authorisation_image"))}</a>` : ""}`},
       buttons(button(t("edit"), "edit-department", d.code), button(t("deactivate"), "deactivate-department", d.code))]));
  }

  /** The department's authorisation picture, fetched with the admin's token and shown under the list. */
  async function showAuthorisation(code) {
    const r = await fetch(`/api/v1/admin/departments/${encodeURIComponent(code)}/authorisation-image`,
                          {headers: {Authorization: `Bearer ${session.token()}`}});
    if (!r.ok) return msg(String(r.status), "error");
    const img = $("authorisation-picture");
    img.src = URL.createObjectURL(await r.blob());
    img.alt = `${t("authorisation_image")} ${code}`;
    img.hidden = false;
  }

  $("department-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const code = f.code.value.trim();
    const exists = st.departments.some((d) => d.code === code) && f.code.readOnly;
    const body = {name: f.name.value.trim(), chief: f.chief.value.trim() || null,
                  authorisation: f.authorisation.value.trim() || null};
    const r = await change("POST", exists ? `/admin/departments/${encodeURIComponent(code)}` : "/admin/departments",
                           exists ? body : {code, ...body});
    if (!r) return;
    if (f.authorisation_image.files.length) {
      const data = await readFile(f.authorisation_image.files[0]);
      if (!await change("POST", `/admin/departments/${encodeURIComponent(code)}/authorisation-image`, {data})) {
        return loadDepartments();
      }
    }
    e.target.reset();
    f.code.readOnly = false;
    loadDepartments();
  });

  // --- windows ------------------------------------------------------------------------

  const itemsText = (items) => items.map((tier) => Array.isArray(tier) ? tier.join("+") : tier).join(", ");
  const itemsValue = (text) => lines(text).map((part) => part.includes("+") ? part.split("+").map((s) => s.trim()) : part);

  async function loadWindows() {
    const [w, d] = await Promise.all([api("GET", "/admin/windows"), api("GET", "/admin/departments")]);
    if (!w.ok) return msg(w.data?.message, "error");
    st.windows = w.data;
    st.departments = d.data || [];
    departmentOptions($("window-form").elements.department);
    table("windows", [t("number"), t("name"), t("kind"), t("department"), t("window_items"), t("posts"), t("live_from"),
                      t("led"), t("printer"), ""],
      w.data.map((x) => [x.number, x.name, t("kind_" + x.kind), x.department || "", itemsText(x.items),
        Object.entries(x.posts).map(([p, s]) => `${p}: ${s}`).join(" "), x.live_from || "",
        x.led ?? t("no_led"), x.printer || t("default_printer", {n: x.number}),
        buttons(button(t("edit"), "edit-window", x.number), button(t("deactivate"), "deactivate-window", x.number))]));
  }

  $("window-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const number = Number(f.number.value);
    const posts = {};
    if (f.post_a.value.trim()) posts.A = f.post_a.value.trim();
    if (f.post_b.value.trim()) posts.B = f.post_b.value.trim();
    const body = {name: f.name.value.trim(), kind: f.kind.value, department: f.department.value || null,
                  items: itemsValue(f.items.value), posts};
    if (f.live_from.value) body.live_from = f.live_from.value;
    body.led = f.led.value === "" ? null : Number(f.led.value);
    body.printer = f.printer.value.trim() || null;
    const editing = f.number.readOnly;
    const r = await change("POST", editing ? `/admin/windows/${number}` : "/admin/windows",
                           editing ? body : {number, ...body});
    if (r) { e.target.reset(); f.number.readOnly = false; loadWindows(); }
  });

  // --- staff --------------------------------------------------------------------------

  async function loadStaff() {
    const [s, d] = await Promise.all([api("GET", "/admin/staff"), api("GET", "/admin/departments")]);
    if (!s.ok) return msg(s.data?.message, "error");
    st.staff = s.data;
    st.departments = d.data || [];
    departmentOptions($("staff-form").elements.department);
    table("staff", [t("staff_number"), t("name"), t("department"), t("posts"), t("live_from"), t("photo"), ""],
      s.data.map((x) => [x.number, x.name, x.department || "", x.posts.map((p) => `${p.window}${p.post}`).join(", "),
        x.live_from || "", x.photo ? t("has_photo") : t("no_photo"),
        buttons(button(t("edit"), "edit-staff", x.number), button(t("deactivate"), "deactivate-staff", x.number))]));
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  $("staff-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const number = f.number.value.trim();
    const posts = lines(f.posts.value).map((p) => ({window: Number(p.slice(0, -1)), post: p.slice(-1).toUpperCase()}));
    const body = {name: f.name.value.trim(), department: f.department.value || null, posts};
    if (f.live_from.value) body.live_from = f.live_from.value;
    const editing = f.number.readOnly;
    const r = await change("POST", editing ? `/admin/staff/${encodeURIComponent(number)}` : "/admin/staff",
                           editing ? body : {number, ...body});
    if (!r) return;
    if (f.photo.files.length) {
      const data = await readFile(f.photo.files[0]);
      if (!await change("POST", `/admin/staff/${encodeURIComponent(number)}/photo`, {data})) return loadStaff();
    }
    e.target.reset();
    f.number.readOnly = false;
    loadStaff();
  });

  // --- accounts -----------------------------------------------------------------------

  async function loadAccounts() {
    const r = await api("GET", "/admin/accounts");
    if (!r.ok) return msg(r.data?.message, "error");
    table("accounts", [t("username"), t("role"), t("staff_number"), "", ""], r.data.map((a) =>
      [a.username, t("role_" + a.role), a.staff || "",
       [a.active ? t("active") : t("inactive"), a.locked ? t("locked") : ""].filter(Boolean).join(" · "),
       buttons(button(a.active ? t("disable") : t("enable"), a.active ? "disable" : "enable", a.username),
               button(t("reset_password"), "reset-password", a.username))]));
  }

  function showPassword(username, password) {
    $("password-once").hidden = false;
    $("password-once").textContent = t("password_once", {username, password});
  }

  $("account-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const r = await change("POST", "/admin/accounts", {username: f.username.value.trim(), role: f.role.value,
                                                       staff: f.staff.value.trim() || null});
    if (!r) return;
    showPassword(r.data.account.username, r.data.password);
    e.target.reset();
    loadAccounts();
  });

  // --- device tokens ------------------------------------------------------------------

  async function loadTokens() {
    const r = await api("GET", "/admin/tokens");
    if (!r.ok) return msg(r.data?.message, "error");
    table("tokens", [t("kind"), t("name"), t("window"), t("created"), ""], r.data.map((k) =>
      [t("token_kind_" + k.kind), k.name, k.window ?? "", when(k.created_at),
       buttons(button(t("replace"), "replace-token", k.id), button(t("revoke"), "revoke-token", k.id))]));
  }

  function showToken(made) {
    $("token-once").hidden = false;
    $("token-once-text").textContent = made.setup_url ? t("token_once") : t("token_no_page") + " " + made.token;
    $("token-qr").innerHTML = made.qr_svg || "";
    $("token-link").textContent = made.setup_url || "";
    $("token-link").href = made.setup_url || "#";
  }

  $("token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = {kind: f.kind.value, name: f.name.value.trim()};
    if (f.window.value) body.window = Number(f.window.value);
    if (f.windows.value.trim()) body.windows = lines(f.windows.value).map(Number);
    const r = await change("POST", "/admin/tokens", body);
    if (!r) return;
    showToken(r.data);
    e.target.reset();
    loadTokens();
  });

  // --- the change log -----------------------------------------------------------------

  async function loadChanges() {
    const f = $("changes-form").elements;
    const q = new URLSearchParams();
    if (f.entity.value) q.set("entity", f.entity.value);
    if (f.day.value) q.set("day", f.day.value);
    const r = await api("GET", "/admin/changes?" + q);
    if (!r.ok) return msg(r.data?.message, "error");
    const json = (v) => ({cls: "json", html: esc(v == null ? "" : JSON.stringify(v))});
    table("changes", [t("when"), t("who"), t("entity"), t("action"), t("before"), t("after")], r.data.map((c) =>
      [when(c.at), c.actor, `${t("entity_" + c.entity)} ${c.key}`, t("action_" + c.action),
       json(c.before), json(c.after)]));
  }

  $("changes-form").addEventListener("submit", (e) => { e.preventDefault(); loadChanges(); });

  // --- the lists' buttons -------------------------------------------------------------

  document.addEventListener("click", async (e) => {
    const tab = e.target.closest("[data-tab]");
    if (tab) return show(tab.dataset.tab);
    const b = e.target.closest("[data-action]");
    if (!b) return;
    const key = b.dataset.key;
    const enc = encodeURIComponent(key);
    const gone = (what) => confirm(t("confirm_deactivate", {what}));
    switch (b.dataset.action) {
      case "show-authorisation":
        e.preventDefault();
        await showAuthorisation(key);
        break;
      case "edit-department": {
        const d = st.departments.find((x) => x.code === key);
        const {authorisation_image: _image, ...fields} = d;  // a file input takes no value
        fill($("department-form"), fields);
        $("department-form").elements.code.readOnly = true;
        break;
      }
      case "edit-display": {
        const d = st.displays.find((x) => x.name === key);
        fill($("display-form"), {...d, department: d.department || "", windows: d.windows.join(", "),
          items: d.items.join(", "), audio: d.audio ? "yes" : "no",
          prepare_next: d.prepare_next == null ? "" : d.prepare_next ? "yes" : "no"});
        break;
      }
      case "edit-year": {
        const y = st.official[key] || {holidays: [], workdays: []};
        fill($("official-form"), {year: key, holidays: y.holidays.join("\n"), workdays: y.workdays.join("\n")});
        break;
      }
      case "deactivate-department":
        if (gone(key) && await change("POST", `/admin/departments/${enc}/deactivate`, undefined, t("deactivated"))) loadDepartments();
        break;
      case "edit-window": {
        const w = st.windows.find((x) => String(x.number) === key);
        fill($("window-form"), {...w, items: itemsText(w.items), post_a: w.posts.A, post_b: w.posts.B});
        $("window-form").elements.number.readOnly = true;
        break;
      }
      case "deactivate-window":
        if (gone(key) && await change("POST", `/admin/windows/${enc}/deactivate`, undefined, t("deactivated"))) loadWindows();
        break;
      case "edit-staff": {
        const s = st.staff.find((x) => x.number === key);
        fill($("staff-form"), {...s, posts: s.posts.map((p) => `${p.window}${p.post}`).join(", ")});
        $("staff-form").elements.number.readOnly = true;
        break;
      }
      case "deactivate-staff":
        if (gone(key) && await change("POST", `/admin/staff/${enc}/deactivate`, undefined, t("deactivated"))) loadStaff();
        break;
      case "disable": case "enable":
        if (await change("POST", `/admin/accounts/${enc}`, {active: b.dataset.action === "enable"})) loadAccounts();
        break;
      case "reset-password": {
        const r = await change("POST", `/admin/accounts/${enc}/reset-password`);
        if (r) showPassword(key, r.data.password);
        loadAccounts();
        break;
      }
      case "revoke-token":
        if (await change("POST", `/admin/tokens/${enc}/revoke`)) loadTokens();
        break;
      case "replace-token": {
        const r = await change("POST", `/admin/tokens/${enc}/replace`);
        if (r) showToken(r.data);
        loadTokens();
        break;
      }
    }
  });
  for (const form of document.querySelectorAll("form.grid")) {
    form.addEventListener("reset", () => { for (const el of form.elements) el.readOnly = false; });
  }

  $("logout").addEventListener("click", async () => { await session.logOut(); showSignin(); });
  session.onSignIn(start);
  if (session.token()) start(); else showSignin();
})();
