/* What the device pages share (the hall TV display, the kiosk, the evaluator pad;
 * hallq/web/device_pages.py): the page's texts in every language, the device token
 * the address carries after # (a browser never sends the fragment to the
 * server, so it never lands in an access log), the failure panel, and the live
 * connection with its offline banner. Each page's own script takes these from
 * `window.hallqDevicePage`.
 */
(function () {
  "use strict";

  const OFFLINE_NOTICE_MS = 2000;  // a blip shorter than this is not worth a banner
  const RETRY_REFUSED_MS = 60 * 1000;

  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  /** `template` with its {name} fields filled from `values`, each shown by `show` (as text unless told). */
  const fill = (template, values, show = (v) => String(v ?? "")) =>
    String(template).replace(/\{(\w+)\}/g, (_, k) => show(values[k]));

  const TEXTS = JSON.parse($("page-text").textContent);  // {zh: {...}, en: {...}}
  const HOME_LANG = document.documentElement.lang === "en" ? "en" : "zh";

  const fragmentToken = () => new URLSearchParams(location.hash.slice(1)).get("token");
  // A new token typed into the address changes only the fragment, which reloads nothing by itself.
  const reloadOnNewToken = () => window.addEventListener("hashchange", () => location.reload());

  function fail(reason) {
    $("failure-reason").textContent = reason;
    $("failure").hidden = false;
    document.body.classList.add("failed");
  }

  function recover() {
    $("failure").hidden = true;
    document.body.classList.remove("failed");
  }

  /** The live connection with the device's token; `state.connected` follows it and #offline shows after a blip.
   *
   * `connected()` runs on every (re)connect. `refused(unauthorized)` runs when the server turns the token
   * away; by default the failure panel says why (in `text()`'s words) and the page tries again now and then,
   * in case the token is put right on the server.
   */
  function connect(token, state, {connected, refused, text}) {
    const socket = io({
      auth: {token},
      transports: ["websocket", "polling"],
      tryAllTransports: true,  // a network that blocks websockets still gets long-polling
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,  // back within seconds of the network, however long it was gone
    });
    let offlineTimer = null;
    socket.on("connect", () => {
      state.connected = true;
      clearTimeout(offlineTimer);
      $("offline").hidden = true;
      if ($("link")) $("link").classList.add("up");
      connected();
    });
    socket.on("disconnect", () => {
      state.connected = false;
      if ($("link")) $("link").classList.remove("up");
      clearTimeout(offlineTimer);
      offlineTimer = setTimeout(() => { if (!state.connected) $("offline").hidden = false; }, OFFLINE_NOTICE_MS);
    });
    socket.on("connect_error", (err) => {
      if (socket.active) return;  // a network failure: the client retries by itself
      const unauthorized = Boolean(err && err.message === "unauthorized");
      if (refused) return refused(unauthorized);
      fail(unauthorized ? text().bad_token : text().server_error);
      setTimeout(() => socket.connect(), RETRY_REFUSED_MS);
    });
    return socket;
  }

  window.hallqDevicePage = {$, esc, fill, TEXTS, HOME_LANG, fragmentToken, reloadOnNewToken, fail, recover, connect};
})();
