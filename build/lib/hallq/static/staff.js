/* What the staff pages share (the clerk console, the duty screen, the guide desk;
 * hallq/web/staff_pages.py): their texts, the API with the staff member's own token,
 * kept in this tab's sessionStorage, the sign-in form, messages, and the live
 * connection with its state on the page. Each page's own script takes these
 * from `window.hallqStaff`.
 */
"use strict";
window.hallqStaff = (() => {
  const T = window.HALLQ_TEXT || {};
  const LANG = document.body.dataset.lang === "en" ? "en" : "zh-CN";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

  /** The page's text `key`, its {name} fields filled from `params`. */
  function t(key, params = {}) {
    let text = T[key] ?? key;
    for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(v);
    return text;
  }

  function say(el, text, kind = "info") {
    if (!el) return;
    el.textContent = text || "";
    el.dataset.kind = kind;
  }

  function setConn(kind) {
    $("conn").className = "conn " + kind;
    $("conn").textContent = t({live: "conn_live", lost: "conn_lost", wait: "conn_wait"}[kind]);
    // While cut off, what the page shows may be stale: say so and dim it until the next full read.
    document.body.classList.toggle("offline", kind === "lost");
    $("offline").hidden = kind !== "lost";
  }

  /** A signed-in staff member's session, its token under `tokenKey`; `signedOut` runs when the server no longer knows it. */
  function session(tokenKey, signedOut) {
    const token = () => sessionStorage.getItem(tokenKey);
    const forget = () => sessionStorage.removeItem(tokenKey);

    /** One call to /api/v1: {ok, status, data}; errors carry the server's message in the page's language. */
    async function api(method, path, body) {
      const headers = {"Accept-Language": LANG};
      if (token()) headers.Authorization = "Bearer " + token();
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let r;
      try {
        r = await fetch("/api/v1" + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
      } catch (err) {
        return {ok: false, status: 0, data: {error: "network", message: t("conn_lost")}};
      }
      const text = await r.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (err) { data = {error: "bad_answer", message: text.slice(0, 200)}; }
      if (r.status === 401 && path !== "/auth/login") {
        forget();
        signedOut();
      }
      return {ok: r.ok, status: r.status, data};
    }

    /** The sign-in form (#login-form): the token is kept and `signedIn` runs, or the refusal is said under the form.
     * A generated password is changed first (#password-form): the server allows that sign-in nothing else. */
    function onSignIn(signedIn) {
      let current = "";
      $("login-form").addEventListener("submit", async (e) => {
        e.preventDefault();
        const r = await api("POST", "/auth/login", {username: $("username").value.trim(), password: $("password").value});
        if (!r.ok) return say($("login-msg"), r.data?.message, "error");
        sessionStorage.setItem(tokenKey, r.data.token);
        current = $("password").value;
        $("password").value = "";
        say($("login-msg"), "");
        if (r.data.must_change_password) {
          $("login-form").hidden = true;
          $("password-form").hidden = false;
          return $("new-password").focus();
        }
        await signedIn();
      });
      $("password-form").addEventListener("submit", async (e) => {
        e.preventDefault();
        const fresh = $("new-password").value;
        if (fresh !== $("new-password-again").value) return say($("login-msg"), t("passwords_differ"), "error");
        const r = await api("POST", "/auth/password", {current, new: fresh});
        if (!r.ok) return say($("login-msg"), r.data?.message, "error");
        current = $("new-password").value = $("new-password-again").value = "";
        $("password-form").hidden = true;
        $("login-form").hidden = false;
        say($("login-msg"), "");
        await signedIn();
      });
    }

    /** Log out: the server ends the token (and its sockets), then this tab forgets it. */
    async function logOut() {
      if (token()) await api("POST", "/auth/logout");
      forget();
    }

    /** The live connection, its state shown in #conn and #offline; `joined(socket)` runs on every (re)connect. */
    function connect(joined) {
      const socket = io({auth: {token: token()}});
      window.hallqSocket = socket;
      socket.on("connect", () => {
        setConn("live");
        joined(socket);
      });
      socket.on("disconnect", (reason) => {
        setConn("lost");
        // A server-side disconnect is not retried by the client on its own.
        if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
      });
      socket.on("connect_error", (err) => {
        setConn("lost");
        // The sign-in ended (logged out elsewhere, idle too long, past its lifetime): sign in again.
        if (err?.message === "unauthorized") {
          socket.disconnect();
          forget();
          signedOut();
        }
      });
      return socket;
    }

    return {token, forget, api, onSignIn, logOut, connect};
  }

  return {T, LANG, $, esc, t, say, session};
})();
