/* The admin's items page (/admin/items, hallq/queue/web/items_admin.py): items with their whole guide,
 * windows and tiers, and form files, through /api/v1/admin/items with the admin's own token. What the
 * server refuses is said on the page in its words and changes nothing.
 */
"use strict";
(() => {
  const {$, esc, t, say, session} = window.hallqStaff;
  const staff = session("hallq.admin.token", showSignIn);
  let data = {items: [], departments: [], windows: []};
  let editing = null;  // the code of the item in the editor, null for a new one

  function showSignIn() {
    $("signin").hidden = false;
    $("app").hidden = $("logout").hidden = true;
  }

  async function start() {
    const r = await staff.api("GET", "/admin/items");
    if (r.status === 403) {
      await staff.logOut();
      showSignIn();
      return say($("login-msg"), t("not_admin"), "error");
    }
    if (!r.ok) return say($("login-msg"), r.data?.message, "error");
    data = r.data;
    $("signin").hidden = true;
    $("app").hidden = $("logout").hidden = false;
    const dept = $("f-department");
    dept.innerHTML = data.departments.map((d) => `<option value="${esc(d.code)}">${esc(d.name)}（${esc(d.code)}）</option>`).join("");
    renderList();
  }

  function renderList() {
    const all = $("show-inactive").checked;
    $("items").innerHTML = data.items.filter((i) => all || i.active).map((i) => `
      <tr class="${i.active ? "" : "inactive"}" data-code="${esc(i.code)}">
        <td>${esc(i.code)}</td><td>${esc(i.name)}</td><td>${esc(i.department_name)}</td><td>${esc(i.prefix)}</td>
        <td>${i.daily_quota || "—"}</td><td>${i.windows.map((w) => esc(w.number)).join("、")}</td>
        <td>${esc(t(i.active ? "active" : "inactive"))}</td>
        <td><button type="button" class="small edit" data-code="${esc(i.code)}">${esc(t("edit"))}</button></td></tr>`).join("");
  }

  const lines = (id) => $(id).value.split("\n").map((s) => s.trim()).filter(Boolean);
  const number = (id) => ($(id).value.trim() === "" ? null : Number($(id).value));
  const TEXTS = ["name", "prefix", "basis", "quantity_limit", "fee", "fee_basis", "supervision", "result"];

  function open(item) {
    editing = item ? item.code : null;
    const g = item?.guide || {};
    $("editor-title").textContent = item ? `${item.code} ${item.name}` : t("new_item");
    $("f-code").value = item?.code || "";
    $("f-code").readOnly = !!item;
    $("f-department").value = item?.department || data.departments[0]?.code || "";
    $("f-daily_quota").value = item?.daily_quota ?? 0;
    $("f-keywords").value = (item?.keywords || []).join("，");
    $("f-nature").value = g.nature || "";
    for (const k of TEXTS) $("f-" + k).value = (k === "name" || k === "prefix" ? item?.[k] : g[k]) ?? (k === "fee" ? "不收费" : "");
    $("f-legal_days").value = g.legal_days ?? "";
    $("f-promised_days").value = g.promised_days ?? "";
    $("f-promise_reason").value = g.promise_reason || "";
    for (const k of ["conditions", "materials", "procedure"]) $("f-" + k).value = (g[k] || []).join("\n");
    const tiers = Object.fromEntries((item?.windows || []).map((w) => [w.number, w.tier]));
    $("f-windows").innerHTML = data.windows.map((w) => `<tr>
      <td><input type="checkbox" class="serves" data-window="${w.number}" ${w.number in tiers ? "checked" : ""}
        aria-label="${esc(t("window"))} ${w.number}"></td>
      <td>${w.number} ${esc(w.name)}</td>
      <td><input type="number" class="tier" data-window="${w.number}" min="0" max="9" value="${tiers[w.number] ?? 0}"
        aria-label="${esc(t("tier"))} ${w.number}"></td></tr>`).join("");
    renderForms(item);
    renderWarnings(item?.warnings || []);
    say($("edit-msg"), "");
    say($("form-msg"), "");
    $("toggle-active").hidden = !item;
    if (item) $("toggle-active").textContent = t(item.active ? "deactivate" : "activate");
    $("list").hidden = true;
    $("editor").hidden = false;
    window.scrollTo(0, 0);
  }

  function renderForms(item) {
    const forms = item?.guide?.forms || [];
    $("forms").innerHTML = forms.map((f) => `<li><a href="${esc(f.url)}">${esc(f.title)}</a>
      <span class="muted">${esc(f.file)} · ${Math.ceil(f.size / 1024)} KB · ${esc(t("free"))}</span>
      <button type="button" class="small remove-form" data-id="${f.id}">${esc(t("remove"))}</button></li>`).join("");
    $("forms-later").hidden = !!item;
    $("upload").hidden = !item;
  }

  function renderWarnings(codes) {
    $("warnings").innerHTML = codes.map((c) => `<li>${esc(t("warn_" + c))}</li>`).join("");
  }

  function body() {
    const current = data.items.find((i) => i.code === editing);
    return {
      code: $("f-code").value.trim(), name: $("f-name").value.trim(), department: $("f-department").value,
      prefix: $("f-prefix").value.trim(), daily_quota: number("f-daily_quota") ?? 0,
      keywords: $("f-keywords").value.split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean),
      guide: {
        nature: $("f-nature").value || null, basis: $("f-basis").value.trim(), conditions: lines("f-conditions"),
        quantity_limit: $("f-quantity_limit").value.trim(), materials: lines("f-materials"), procedure: lines("f-procedure"),
        legal_days: number("f-legal_days"), promised_days: number("f-promised_days"), fee: $("f-fee").value.trim(),
        promise_reason: $("f-promise_reason").value.trim(),
        fee_basis: $("f-fee_basis").value.trim(), supervision: $("f-supervision").value.trim(), result: $("f-result").value.trim(),
        service_minutes: current?.guide?.service_minutes ?? null,
        forms: (current?.guide?.forms || []).map((f) => ({title: f.title, file: f.file})),
      },
      windows: [...document.querySelectorAll("input.serves:checked")].map((c) => ({
        number: Number(c.dataset.window),
        tier: Number(document.querySelector(`input.tier[data-window="${c.dataset.window}"]`).value || 0)})),
    };
  }

  function keep(item) {
    const at = data.items.findIndex((i) => i.code === item.code);
    if (at >= 0) data.items[at] = item; else data.items.push(item);
    data.items.sort((a, b) => (a.code < b.code ? -1 : 1));
  }

  async function save(e) {
    e.preventDefault();
    const b = body();
    const r = editing ? await staff.api("POST", "/admin/items/" + encodeURIComponent(editing), b)
      : await staff.api("POST", "/admin/items", b);
    if (!r.ok) return say($("edit-msg"), r.data?.message, "error");
    keep(r.data);
    open(r.data);
    say($("edit-msg"), t("saved"), "ok");
  }

  async function upload() {
    const file = $("form-file").files[0];
    if (!file) return;
    const title = $("form-title").value.trim() || file.name.replace(/\.[^.]+$/, "");
    const url = `/api/v1/admin/items/${encodeURIComponent(editing)}/forms?name=${encodeURIComponent(file.name)}&title=${encodeURIComponent(title)}`;
    let r;
    try {
      r = await fetch(url, {method: "POST", headers: {Authorization: "Bearer " + staff.token(), "Accept-Language": window.hallqStaff.LANG,
                                                       "Content-Type": "application/octet-stream"}, body: file});
    } catch (err) {
      return say($("form-msg"), t("conn_lost"), "error");
    }
    const answer = await r.json().catch(() => ({message: r.statusText}));
    if (!r.ok) return say($("form-msg"), answer.message, "error");
    await reload(editing);
    $("form-title").value = $("form-file").value = "";
    say($("form-msg"), t("uploaded", {file: answer.file}), "ok");
  }

  async function reload(code) {
    const r = await staff.api("GET", "/admin/items/" + encodeURIComponent(code));
    if (r.ok) {
      keep(r.data);
      renderForms(r.data);
    }
  }

  $("items").addEventListener("click", (e) => {
    const button = e.target.closest("button.edit");
    if (button) open(data.items.find((i) => i.code === button.dataset.code));
  });
  $("forms").addEventListener("click", async (e) => {
    const button = e.target.closest("button.remove-form");
    if (!button) return;
    const r = await staff.api("POST", `/admin/items/${encodeURIComponent(editing)}/forms/${button.dataset.id}/remove`);
    if (!r.ok) return say($("form-msg"), r.data?.message, "error");
    await reload(editing);
  });
  $("new-item").addEventListener("click", () => open(null));
  $("back").addEventListener("click", () => { $("editor").hidden = true; $("list").hidden = false; renderList(); });
  $("show-inactive").addEventListener("change", renderList);
  $("editor").addEventListener("submit", save);
  $("form-upload").addEventListener("click", upload);
  $("toggle-active").addEventListener("click", async () => {
    const item = data.items.find((i) => i.code === editing);
    if (item.active && !window.confirm(t("confirm_deactivate"))) return;
    const r = await staff.api("POST", `/admin/items/${encodeURIComponent(editing)}/${item.active ? "deactivate" : "activate"}`);
    if (!r.ok) return say($("edit-msg"), r.data?.message, "error");
    keep(r.data);
    open(r.data);
  });
  $("logout").addEventListener("click", async () => { await staff.logOut(); showSignIn(); });

  staff.onSignIn(start);
  if (staff.token()) start(); else showSignIn();
})();
