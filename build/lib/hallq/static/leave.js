/* Leave (请假): /leave asks for leave (POST /api/v1/leave) and lists one's own, with a cancel while it may be
 * withdrawn; /leave/approvals lists what waits for the approver's step (approve, or refuse with a reason) and
 * the other leaves they may read. Everything through /api/v1 with the staff member's own token.
 */
"use strict";
(() => {
  const {$, esc, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.duty.token", () => location.reload());
  const {api, token} = session;
  const VIEW = document.body.dataset.view;
  window.hallqLeave = {loaded: 0};  // how many times the list was read (tests wait on it)

  function showSignin() {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("username").focus();
  }

  async function start() {
    const me = await api("GET", "/me");
    if (!me.ok) { session.forget(); return showSignin(); }
    $("signin").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = me.data.staff ? `${me.data.staff.name} ${me.data.staff.number}` : me.data.username;
    $("hall-name").textContent = me.data.hall.name;
    await load();
  }

  const half = (h) => t(h);
  const span = (x) => t("span", {first: x.first_day, first_half: half(x.first_half), last: x.last_day, last_half: half(x.last_half)});

  function status(x) {
    let text = `<span class="st st-${esc(x.status)}">${esc(t("st_" + x.status))}</span>`;
    if (x.status === "pending") text += ` <span class="note">${esc(t("step_" + x.step))}</span>`;
    const notes = [];
    if (x.chief_by) notes.push(t("chief_agreed", {by: x.chief_by.replace(/^user:/, "")}));
    if (x.decided_by) notes.push(t("decided", {by: x.decided_by.replace(/^user:/, ""), time: (x.decided_at || "").slice(0, 16).replace("T", " ")}));
    if (x.decision_note) notes.push(x.decision_note);
    if (x.needs_centre && x.status === "pending") notes.push(t("needs_centre"));
    return text + (notes.length ? `<div class="note">${notes.map(esc).join("；")}</div>` : "");
  }

  function table(rows, withWho, actions) {
    if (!rows.length) return "";
    const head = `<tr>${withWho ? `<th>${esc(t("who"))}</th>` : ""}<th>${esc(t("when"))}</th><th>${esc(t("length"))}</th>` +
      `<th>${esc(t("reason"))}</th><th>${esc(t("stand_in"))}</th><th>${esc(t("status"))}</th><th>${esc(t("actions"))}</th></tr>`;
    const body = rows.map((x) => `<tr data-id="${x.id}">` +
      (withWho ? `<td>${esc(x.staff.name)} ${esc(x.staff.number)}${x.window ? `<div class="note">${esc(t("window_n", {n: x.window}))} · ${esc(x.department?.name || "")}</div>` : ""}</td>` : "") +
      `<td>${esc(span(x))}</td><td>${esc(t("half_days", {n: x.half_days}))}</td><td>${esc(x.reason)}</td>` +
      `<td>${x.stand_in ? esc(`${x.stand_in.name} ${x.stand_in.number}`) : "—"}</td><td>${status(x)}</td>` +
      `<td class="actions">${actions(x)}</td></tr>`).join("");
    return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }

  async function load() {
    const r = await api("GET", "/leave");
    if (!r.ok) return say($(VIEW === "request" ? "ask-msg" : "act-msg"), r.data?.message, "error");
    const data = r.data;
    if (VIEW === "request") {
      $("no-staff").hidden = !!data.me;
      $("ask-form").hidden = !data.me;
      if (data.me) {
        $("stand-in-hint").textContent = data.me.stand_in ? t("stand_in_default", {name: `${data.me.stand_in.name} ${data.me.stand_in.number}`}) : t("stand_in_none");
        if (!$("first-day").value) $("first-day").value = $("last-day").value = data.today;
      }
      const mine = data.leaves.filter((x) => data.me && x.staff.number === data.me.number);
      $("mine").innerHTML = table(mine, false, (x) => x.may_cancel ? `<button type="button" class="small" data-act="cancel">${esc(t("cancel"))}</button>` : "") ||
        `<p class="muted">${esc(t("none"))}</p>`;
    } else {
      const waiting = data.leaves.filter((x) => x.may_decide);
      const others = data.leaves.filter((x) => !x.may_decide);
      $("waiting").innerHTML = table(waiting, true, () =>
        `<button type="button" class="small primary" data-act="approve">${esc(t("approve"))}</button>` +
        `<button type="button" class="small" data-act="refuse">${esc(t("refuse"))}</button>`) ||
        `<p class="muted">${esc(t("waiting_none"))}</p>`;
      $("others").innerHTML = table(others, true, () => "") || `<p class="muted">${esc(t("none"))}</p>`;
    }
    window.hallqLeave.loaded += 1;
  }

  async function act(e) {
    const button = e.target.closest("button[data-act]");
    if (!button) return;
    const id = button.closest("tr").dataset.id;
    const what = button.dataset.act;
    let body;
    if (what === "refuse") {
      const reason = prompt(t("refuse_reason"));
      if (!reason) return;
      body = {reason};
    }
    const r = await api("POST", `/leave/${id}/${what}`, body);
    say($(VIEW === "request" ? "ask-msg" : "act-msg"), r.ok ? t("done") : r.data?.message, r.ok ? "info" : "error");
    await load();
  }

  if (VIEW === "request") {
    $("ask-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {first_day: $("first-day").value, first_half: $("first-half").value, last_day: $("last-day").value,
                    last_half: $("last-half").value, reason: $("reason").value.trim()};
      if ($("stand-in").value.trim()) body.stand_in = $("stand-in").value.trim();
      const r = await api("POST", "/leave", body);
      if (!r.ok) return say($("ask-msg"), r.data?.message, "error");
      say($("ask-msg"), t("asked", {step: t("step_" + r.data.step)}), "info");
      $("reason").value = "";
      await load();
    });
    $("mine").addEventListener("click", act);
  } else {
    $("waiting").addEventListener("click", act);
  }
  $("logout").addEventListener("click", async () => { await session.logOut(); location.reload(); });
  session.onSignIn(start);
  if (token()) start(); else showSignin();
})();
