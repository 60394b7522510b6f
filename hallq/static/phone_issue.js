/* 扫码取号 (/m/<hall>): the kiosk's flow on the citizen's phone.
 *
 * The items come from the public GET /api/v1/m/{hall}/services; taking one posts the ID number (and, if
 * given, the number for text reminders) to POST /api/v1/m/{hall}/tickets, whose answer names the ticket's
 * status page: the phone goes there and follows its ticket live. The server says no in the citizen's
 * words (closed, quota used up, already holding a number); an item no window serves now asks first.
 */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("phone-text").textContent);
  const hall = JSON.parse(document.getElementById("phone-hall").textContent);
  const $ = (id) => document.getElementById(id);
  const fill = (t, v) => String(t).replace(/\{(\w+)\}/g, (_, k) => v[k] ?? "");
  const lang = document.documentElement.lang === "en" ? "en" : "zh";
  const base = `/api/v1/m/${encodeURIComponent(hall)}`;
  let chosen = null, listed = [];

  async function load() {
    const r = await fetch(`${base}/services?lang=${lang}`, {cache: "no-store"});
    if (!r.ok) { $("none").hidden = false; return; }
    const data = await r.json();
    $("closed").hidden = !data.issuing;
    $("closed").textContent = data.issuing_message || "";
    const rows = [];
    let dept = null;
    listed = data.services;
    const sorted = [...data.services].sort((a, b) => a.department_code.localeCompare(b.department_code));
    for (const s of sorted) {
      if (s.department !== dept) {
        dept = s.department;
        const h = document.createElement("div"); h.className = "dept"; h.textContent = dept; rows.push(h);
      }
      const b = document.createElement("button");
      b.type = "button"; b.className = "item"; b.dataset.service = s.code; b.disabled = Boolean(data.issuing) || s.quota_left === 0;
      const name = document.createElement("b"); name.textContent = s.name;
      const small = document.createElement("small");
      small.textContent = b.disabled ? T.closed : fill(T.waiting, {n: s.waiting})
        + (s.quota_left !== null ? " · " + fill(T.quota_left, {n: s.quota_left}) : "");
      b.append(name, small);
      b.addEventListener("click", () => choose(s));
      rows.push(b);
    }
    $("items").replaceChildren(...rows);
    $("none").hidden = rows.length > 0;
  }

  function choose(s) {
    chosen = s;
    $("chosen").textContent = s.name;
    $("chosen-facts").textContent = s.windows && s.windows.length ? fill(T.windows, {windows: s.windows.join("、")}) : "";
    // 一票到底: the other items open now may ride on the same ticket, after this one.
    const others = listed.filter((o) => o.code !== s.code && o.quota_left !== 0);
    $("also").replaceChildren(...others.map((o) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox"; box.value = o.code;
      label.append(box, o.name);
      return label;
    }));
    $("also-box").hidden = others.length === 0;
    $("choose").hidden = true; $("form").hidden = false;
    $("error").hidden = true; $("take-anyway").hidden = true; $("take").hidden = false;
  }

  function fail(text) { $("error").textContent = text; $("error").hidden = false; }

  async function take(unstaffedOk) {
    const body = {service: chosen.code, id_number: $("id-number").value.trim().toUpperCase(),
                  unstaffed_ok: unstaffedOk};
    const also = [...$("also").querySelectorAll("input:checked")].map((b) => b.value);
    if (also.length) body.also = also;
    if ($("phone") && $("phone").value.trim()) body.phone = $("phone").value.replace(/[\s-]/g, "");
    $("take").disabled = true;
    $("error").hidden = true;
    let r, answer;
    try {
      r = await fetch(`${base}/tickets?lang=${lang}`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                     body: JSON.stringify(body)});
      answer = await r.json().catch(() => ({}));
    } catch (e) {
      $("take").disabled = false; fail(T.network); return;
    }
    $("take").disabled = false;
    if (r.status === 201) {
      const page = new URL(answer.status_page, location.href);
      location.assign(page.pathname + (lang === "en" ? "?lang=en" : ""));  // this server's own page
      return;
    }
    fail(answer.message || answer.error || T.network);
    if (answer.error === "service_unstaffed") { $("take").hidden = true; $("take-anyway").hidden = false; }
  }

  $("back").addEventListener("click", () => { $("form").hidden = true; $("choose").hidden = false; load(); });
  $("id-number").addEventListener("input", () => { $("error").hidden = true; });
  $("take").addEventListener("click", () => take(false));
  $("take-anyway").addEventListener("click", () => take(true));
  window.hallqPhone = {load, get chosen() { return chosen; }};
  load();
})();
